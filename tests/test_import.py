"""Importing the package must do nothing but define names."""
import subprocess
import sys

import d2l_helpers as d2l

BOOK_NAMES = ["use_svg_display", "set_figsize", "set_axes", "plot", "plt", "Timer", "Accumulator",
              "accuracy", "evaluate_accuracy", "train_epoch_ch3", "train_ch3", "predict_ch3",
              "Animator", "get_fashion_mnist_labels", "show_images", "load_data_fashion_mnist",
              "get_dataloader_workers", "sgd", "evaluate_loss", "try_gpu"]


def test_every_name_the_chapter_uses_is_there():
    missing = [name for name in BOOK_NAMES if not hasattr(d2l, name)]
    assert missing == []
    assert set(BOOK_NAMES) <= set(d2l.__all__)


def test_import_touches_neither_network_nor_disk(tmp_path):
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise AssertionError('network used at import')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "import d2l_helpers, sys\n"
        "assert 'optuna' not in sys.modules and 'pandas' not in sys.modules\n"
        "print('ok')\n"
    )
    env = {"D2L_DATA_DIR": str(tmp_path / "data"), "D2L_FASHION_MNIST": "auto",
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert not (tmp_path / "data").exists()
