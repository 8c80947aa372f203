"""The digit treated as a number: one output and a mean squared error, not 10 outputs."""

import keras

EPOCHS = 5
BATCH_SIZE = 32


def preprocess(images):
    return images.reshape(len(images), 784).astype("float32") / 255


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    return model
