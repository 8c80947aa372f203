"""Assignment 01: linear regression."""
