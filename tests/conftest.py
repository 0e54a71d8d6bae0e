"""Shared fixtures. The suite never touches the network: data comes from the stand-in."""
import http.server
import os
import threading

import matplotlib
import pytest
import torch

matplotlib.use("Agg")  # this process draws off-screen; notebook kernels keep their inline backend


@pytest.fixture
def blobs():
    """Four well-separated Gaussian blobs in 2-D: (train batches, test batches).

    Lists of (X, y) batches work as data iterators for every helper, and the
    book's train_ch3 assertions hold on them after a couple of epochs.
    """
    generator = torch.Generator().manual_seed(0)
    centers = torch.tensor([[3.0, 3.0], [-3.0, 3.0], [3.0, -3.0], [-3.0, -3.0]])

    def batches(n_batches, batch_size):
        out = []
        for _ in range(n_batches):
            y = torch.randint(0, 4, (batch_size,), generator=generator)
            X = centers[y] + torch.randn(batch_size, 2, generator=generator)
            out.append((X, y))
        return out

    return batches(8, 32), batches(2, 50)


@pytest.fixture(scope="session")
def standin_dir(tmp_path_factory):
    """A data folder holding the full stand-in, generated once per test session."""
    from d2l_helpers.data import fashion_mnist_files

    root = tmp_path_factory.getbasetemp() / "standin-data"
    previous = os.environ.get("D2L_FASHION_MNIST")
    os.environ["D2L_FASHION_MNIST"] = "standin"
    try:
        fashion_mnist_files(root)
    finally:
        if previous is None:
            del os.environ["D2L_FASHION_MNIST"]
        else:
            os.environ["D2L_FASHION_MNIST"] = previous
    return root


class LocalServer:
    """An HTTP server on 127.0.0.1 serving ``files`` (name -> bytes) by the last part of the
    path, optionally cut off half-way; ``requests`` lists the names asked for."""

    def __init__(self, files=None, cut_off=False):
        self.files = {} if files is None else files
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                name = self.path.rsplit("/", 1)[-1]
                server.requests.append(name)
                if name not in server.files:
                    self.send_error(404)
                    return
                body = server.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2] if cut_off else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    """``serve(files, cut_off=False)`` starts a :class:`LocalServer`; all stop after the test."""
    servers = []

    def start(files=None, cut_off=False):
        servers.append(LocalServer(files, cut_off))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def server(serve):
    """One empty :class:`LocalServer`; put files into ``server.files``."""
    return serve()
