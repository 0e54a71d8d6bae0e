"""The chapter 3-4 API of *Dive into Deep Learning* (d2l 0.17.6, PyTorch), working today.

``import d2l_helpers as d2l`` runs the book's code unchanged. Importing downloads
and computes nothing; see README.md, "Differences from d2l", for what we changed.
"""
# The book's shorthands (d2l.tensor, d2l.reshape, ...): attributes, not in __all__ (aliases.py).
from d2l_helpers.aliases import (  # noqa: A004 - abs is the book's name
    abs,
    arange,
    argmax,
    astype,
    concat,
    cos,
    cosh,
    exp,
    eye,
    float32,
    int32,
    linspace,
    log,
    matmul,
    meshgrid,
    normal,
    numpy,
    ones,
    rand,
    reduce_sum,
    reshape,
    sin,
    sinh,
    size,
    stack,
    tanh,
    tensor,
    to,
    transpose,
    zeros,
)
from d2l_helpers.backprop import (
    Graph,
    autograd_graph,
    book_graph,
    inference_peak_bytes,
    saved_tensor_bytes,
)
from d2l_helpers.data import (
    data_source,
    get_dataloader_workers,
    get_fashion_mnist_labels,
    load_data_fashion_mnist,
    split_validation,
)
from d2l_helpers.devices import try_gpu
from d2l_helpers.downloads import (
    DATA_HUB,
    DATA_URL,
    DownloadError,
    download,
    download_all,
    download_extract,
)
from d2l_helpers.houses import HouseData, load_house_prices
from d2l_helpers.metrics import Accumulator, Timer, accuracy
from d2l_helpers.plotting import (
    Animator,
    draw_graph,
    draw_mlp,
    plot,
    plot_runs,
    plot_sweep,
    plt,
    predict_ch3,
    set_axes,
    set_figsize,
    show_images,
    use_svg_display,
)
from d2l_helpers.regression import linreg, load_array, squared_loss, synthetic_data
from d2l_helpers.repeats import Comparison, Estimate, Runs, compare, repeat
from d2l_helpers.training import (
    TrainingDivergedWarning,
    TrainResult,
    _set_default_animator,
    evaluate_accuracy,
    evaluate_loss,
    sgd,
    train_ch3,
    train_epoch_ch3,
)

# train_ch3(animator='auto') draws the book's live plot: wired here, at the package's
# top, so that training.py never imports plotting.py (no import circle).
_set_default_animator(Animator)

__version__ = "0.1.0"

__all__ = [
    "DATA_HUB", "DATA_URL", "DownloadError", "download", "download_all", "download_extract",
    "HouseData", "load_house_prices",
    "Graph", "autograd_graph", "book_graph", "draw_graph", "inference_peak_bytes",
    "saved_tensor_bytes",
    "Accumulator", "Animator", "Comparison", "Estimate", "Runs", "Timer", "TrainResult",
    "TrainingDivergedWarning", "accuracy", "compare", "data_source", "evaluate_accuracy",
    "evaluate_loss", "get_dataloader_workers", "get_fashion_mnist_labels", "linreg",
    "load_array", "squared_loss", "synthetic_data",
    "load_data_fashion_mnist", "draw_mlp", "plot", "plot_runs", "plot_sweep", "plt", "predict_ch3",
    "repeat", "set_axes", "set_figsize", "sgd", "show_images", "split_validation",
    "train_ch3", "train_epoch_ch3", "try_gpu", "use_svg_display",
]
