"""Root pytest configuration: applies to tests/ and to the notebooks nbval runs."""
import os


def pytest_configure(config):
    # Tests never wait on the network: the data comes from the generated stand-in,
    # also when `pytest notebooks/01_....ipynb` is run by hand without make.
    os.environ.setdefault("D2L_FASHION_MNIST", "standin")
