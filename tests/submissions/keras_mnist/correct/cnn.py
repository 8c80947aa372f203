"""A convolutional network in the functional API; softmax as a layer of its own."""

import keras
import numpy as np
from keras import layers

EPOCHS = 4
BATCH_SIZE = 64


def preprocess(images):
    """(m, 28, 28) uint8 -> (m, 28, 28, 1) float32 in [0, 1]."""
    return np.expand_dims(images / np.float32(255), axis=-1)


def build_model():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, (3, 3), activation="relu")(inputs)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Conv2D(32, (3, 3), activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dense(10)(x)
    outputs = layers.Activation("softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model
