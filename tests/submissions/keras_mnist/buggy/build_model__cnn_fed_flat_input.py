"""A convolutional network expecting (28, 28, 1), fed the flattened (m, 784) images."""

import keras

EPOCHS = 3
BATCH_SIZE = 64


def preprocess(images):
    return images.reshape(len(images), 784).astype("float32") / 255


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
