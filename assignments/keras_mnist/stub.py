"""Assignment 05: classify handwritten digits (MNIST) with Keras.

Fill in `preprocess` and `build_model`, and choose `EPOCHS` and `BATCH_SIZE`;
keep the names and signatures. You do not write the training loop: the grader
does, with a fixed seed, exactly like this:

    model = build_model()
    model.fit(preprocess(x_train), y_train,
              epochs=EPOCHS, batch_size=BATCH_SIZE)      # stopped at the time budget
    predicted = model.predict(preprocess(x_test)).argmax(axis=1)
    accuracy = (predicted == y_test).mean()

Data the grader passes you:
    images   uint8 (m, 28, 28)   pixel values 0 (background) .. 255 (ink)
    labels   integers 0..9, shape (m,): "sparse" labels, NOT one-hot

Conventions the checks rely on:
    - preprocess returns floats (float32), with the pixels scaled (the slides:
      scale features before gradient descent), one row per image, and never
      modifies the array it is given.
    - build_model returns a COMPILED keras.Model with 10 outputs per image and
      an accuracy metric, with at most 1,000,000 parameters.
    - The output layer and the loss must fit together:
        Dense(10, activation="softmax")  with  loss="sparse_categorical_crossentropy"
        Dense(10)  (logits)  with  keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    - Training stops at the time budget; the score is the accuracy reached.
      A plain multilayer perceptron with scaled inputs can reach full points.
      EPOCHS above 30 are cut to 30. Test accuracy for full points (half
      points), and the time budget, by the data the grader trains on:
        the full MNIST (60,000 images):     97% (92%), 300 s
        8,000 training images:              92% (85%), 60 s
        fewer (the tests' 2,000 images):    84% (70%), 60 s

Check your work with:  grade check keras_mnist.py
"""

import keras

EPOCHS = 5        # passes over the training set (the grader stops at its time budget)
BATCH_SIZE = 32   # images per gradient step


def preprocess(images):
    """Turn raw images into the model's input.

    Parameters:
        images: uint8 array (m, 28, 28), values 0..255. Do not modify it:
            work on a copy (``images.astype("float32")`` makes one).
    Returns:
        float32 array with one row per image: (m, 784) for a multilayer
        perceptron, (m, 28, 28, 1) for a convolutional network, or any shape
        your model takes. Scale the pixels, e.g. divide by 255 so that they
        lie in [0, 1]: gradient descent on unscaled features is slow and
        unstable.
    """
    raise NotImplementedError("preprocess is not implemented yet")


def build_model():
    """Build and compile the network.

    Returns:
        a compiled keras.Model that takes what `preprocess` returns and gives
        10 values per image, one per digit. Compile it with an optimizer (e.g.
        "adam"), a loss for integer labels 0..9 and the accuracy metric:

            model.compile(optimizer="adam",
                          loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])

        With a softmax output layer, use the loss as written above; with a
        linear output layer (logits), use
        keras.losses.SparseCategoricalCrossentropy(from_logits=True).
        Do not use "categorical_crossentropy": it expects one-hot labels.
    """
    raise NotImplementedError("build_model is not implemented yet")
