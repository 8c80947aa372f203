"""Per-pixel standardisation without a guard: border pixels have std 0, so 0 / 0 = NaN."""

import keras
import numpy as np

EPOCHS = 5
BATCH_SIZE = 32


def preprocess(images):
    x = images.reshape(len(images), 784).astype("float32")
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x - x.mean(axis=0)) / x.std(axis=0)


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
