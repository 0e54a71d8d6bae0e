"""Devices: try_gpu, device= errors, parameters that follow the device, batches cut there.

On a CPU-only machine 'meta' is "the other device": tensors there have shapes but no
data, so a test stops the first batch (``Stop``) once it has seen where everything is.
The CUDA tests at the end run only where a GPU is present.
"""
import warnings

import pytest
import torch
from torch import nn

import d2l_helpers as d2l
from d2l_helpers import devices, passes
from d2l_helpers.data import InMemoryDataset, InMemoryLoader

META = torch.device("meta")
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


class Stop(Exception):
    """Raised by a probe net once it has recorded the first batch."""


@pytest.fixture
def no_gpu(monkeypatch):
    """This machine as a learner's laptop: no CUDA device, no Apple GPU."""
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def batches(n=4, size=8, classes=4):
    generator = torch.Generator().manual_seed(0)
    return [(torch.randn(size, 2, generator=generator),
             torch.randint(0, classes, (size,), generator=generator)) for _ in range(n)]


def function_net(seed=0):
    """Lesson 3's kind of net: a function over tensors the learner holds."""
    torch.manual_seed(seed)
    W = (torch.randn(2, 4) * 0.1).requires_grad_()
    b = torch.zeros(4, requires_grad=True)
    return (lambda X: X @ W + b), [W, b]


# --- try_gpu and device= --------------------------------------------------------------

def test_try_gpu_falls_back_to_cpu(no_gpu):
    assert d2l.try_gpu() == torch.device("cpu")
    assert d2l.try_gpu(3) == torch.device("cpu")


@pytest.mark.parametrize("i, error, words", [
    (-1, ValueError, "numbered from 0"),
    ("0", TypeError, "an int such as 0"),
    (True, TypeError, "an int such as 0"),
    (0.0, TypeError, "an int such as 0"),
])
def test_try_gpu_refuses_what_is_not_a_gpu_number(i, error, words):
    with pytest.raises(error, match=words) as info:
        d2l.try_gpu(i)
    assert repr(i) in str(info.value)


@pytest.mark.parametrize("device, missing", [
    ("cuda", "cuda"), (3, "cuda:3"), ("cuda:7", "cuda:7"), ("mps", "mps"),
    (torch.device("cuda:1"), "cuda:1"),
])
def test_a_device_this_machine_lacks_is_a_clear_error(no_gpu, device, missing):
    with pytest.raises(ValueError) as info:
        d2l.evaluate_accuracy(nn.Linear(2, 4), batches(), device=device)
    message = str(info.value)
    assert f"device={device!r}" in message and f"no {missing}" in message
    assert "devices here: cpu)" in message and "device='auto'" in message


@pytest.mark.parametrize("device", ["gpu0", "cuda:-1", True, 1.5])
def test_what_is_not_a_device_is_a_clear_error(device):
    with pytest.raises(ValueError, match=rf"device={device!r} is not a device.*'auto'"):
        d2l.evaluate_accuracy(nn.Linear(2, 4), batches(), device=device)


def test_auto_is_the_cpu_without_a_gpu(no_gpu):
    assert devices._resolve_device("auto") == torch.device("cpu")
    assert devices._resolve_device(None) is None


def test_the_device_is_checked_before_any_data_is_read(no_gpu, tmp_path):
    with pytest.raises(ValueError, match="no cuda"):
        d2l.load_data_fashion_mnist(256, root=tmp_path, device="cuda")
    assert not any(tmp_path.iterdir())


# --- the model follows device= --------------------------------------------------------

def test_function_net_with_an_optimizer_moves_in_place_with_grads_and_state():
    net, params = function_net()
    W, b = params
    updater = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    d2l.train_epoch_ch3(net, batches(), nn.CrossEntropyLoss(reduction="none"), updater)
    seen = []

    def probed(X):
        seen.append((X.device, W.device, b.device))
        raise Stop

    with pytest.raises(Stop):
        d2l.train_epoch_ch3(probed, batches(), nn.CrossEntropyLoss(reduction="none"),
                            updater, device="meta")
    assert seen == [(META, META, META)]  # the batch and the learner's own W, b
    assert updater.param_groups[0]["params"][0] is W  # same objects, moved in place
    assert W.grad.device == META and b.grad.device == META
    assert updater.state[W]["momentum_buffer"].device == META
    assert W.requires_grad and W.is_leaf


def test_module_and_optimizer_state_move_together():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 4))
    updater = torch.optim.Adam(net.parameters(), lr=0.01)
    d2l.train_epoch_ch3(net, batches(), nn.CrossEntropyLoss(reduction="none"), updater)
    seen = []
    net.register_forward_pre_hook(lambda module, args: seen.append(args[0].device))
    with pytest.raises(ValueError, match="meta device"):  # no data on meta to read at the end
        d2l.train_epoch_ch3(net, batches(), nn.CrossEntropyLoss(reduction="none"), updater,
                            device="meta")
    assert seen[0] == META
    params = list(net.parameters())
    assert all(p.device == META for p in params)
    assert all(p is q for p, q in zip(params, updater.param_groups[0]["params"], strict=True))
    state = updater.state[params[0]]
    assert state["exp_avg"].device == META and state["exp_avg_sq"].device == META
    assert state["step"].device.type == "cpu"  # Adam keeps its step count on the host


def test_hand_written_updater_is_a_clear_error_before_the_first_batch():
    net, params = function_net()
    before = [p.detach().clone() for p in params]
    calls = []

    def counted(X):
        calls.append(X)
        return net(X)

    with pytest.raises(ValueError) as info:
        d2l.train_ch3(counted, batches(), batches(), nn.CrossEntropyLoss(reduction="none"), 2,
                      lambda batch_size: d2l.sgd(params, 0.1, batch_size), device="meta",
                      animator=None)
    message = str(info.value)
    assert "device='meta'" in message and "params[0] (2, 4) is on cpu" in message
    assert "device=d2l.try_gpu()" in message and "torch.optim.SGD" in message
    assert calls == []  # not one batch
    assert all(torch.equal(p, q) for p, q in zip(params, before, strict=True))


def test_hand_written_updater_with_tensors_already_there_passes_the_check():
    W = torch.zeros(2, 4, device="meta", requires_grad=True)
    seen = []

    def net(X):
        seen.append((X.device, W.device))
        raise Stop

    with pytest.raises(Stop):
        d2l.train_epoch_ch3(net, batches(), nn.CrossEntropyLoss(reduction="none"),
                            lambda batch_size: d2l.sgd([W], 0.1, batch_size), device="meta")
    assert seen == [(META, META)]


def test_module_already_elsewhere_with_device_none_takes_the_batches_along():
    """The book's evaluate_accuracy_gpu (section 6.6) does the same."""
    net = nn.Linear(2, 4).to("meta")
    seen = []
    net.register_forward_pre_hook(lambda module, args: seen.append(args[0].device))
    with pytest.raises(ValueError, match="meta device"):  # no data on meta to count
        d2l.evaluate_accuracy(net, batches())
    assert seen[0] == META


def test_function_net_elsewhere_with_device_none_says_where_each_tensor_is():
    W = torch.zeros(2, 4, device="meta", requires_grad=True)
    with pytest.raises(ValueError) as info:
        d2l.train_epoch_ch3(lambda X: X @ W, batches(), nn.CrossEntropyLoss(reduction="none"),
                            lambda batch_size: d2l.sgd([W], 0.1, batch_size))
    message = str(info.value)
    assert "the batch X is on cpu, but W (2, 4) is on meta" in message
    assert "device='meta'" in message
    assert "same device" in str(info.value.__cause__) or "expected device" in str(
        info.value.__cause__)  # PyTorch's own message stays attached


def test_batches_on_another_device_than_the_module_say_so():
    data = [(torch.zeros(8, 2, device="meta"), torch.zeros(8, dtype=torch.long, device="meta"))]
    with pytest.raises(ValueError, match=r"batch X is on meta, but net's weight \(4, 2\) is on "
                                         r"cpu.*device='cpu'"):
        d2l.evaluate_accuracy(nn.Linear(2, 4), data)


def test_tensors_used_by_a_function_are_found_in_globals_closures_and_partials():
    import functools
    W = torch.zeros(2, requires_grad=True)
    params = [W]
    found = devices._tensors_used_by([("net", lambda X: X @ W),
                                      ("updater", functools.partial(d2l.sgd, params))])
    assert [name for name, _ in found] == ["W"]  # the same tensor is listed once
    assert devices._tensors_used_by([("updater", print)]) == []


# --- data held on the device ----------------------------------------------------------

def small_loader(shuffle=True):
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8, generator=generator)
    return InMemoryLoader(InMemoryDataset(images, torch.arange(10)), 4, shuffle=shuffle)


def test_loader_to_device_copies_the_split_once_and_cuts_batches_there():
    loader = small_loader()
    assert loader.to("cpu") is loader
    on_meta = loader.to("meta")
    assert on_meta.dataset is loader.to("meta").dataset  # copied once, then reused
    assert on_meta.dataset.images.device == META
    shapes = [(X.shape, X.dtype, X.device, y.device) for X, y in on_meta]
    assert shapes == [(torch.Size([n, 1, 28, 28]), torch.float32, META, META) for n in (4, 4, 2)]


def test_loader_on_another_device_draws_the_same_order():
    loader = small_loader()
    copy = InMemoryLoader(InMemoryDataset(loader.dataset.images.clone(),
                                          loader.dataset.labels.clone()), 4, shuffle=True)
    torch.manual_seed(3)
    first = [y.tolist() for _, y in loader]
    torch.manual_seed(3)
    assert [y.tolist() for _, y in copy] == first


def test_trainer_moves_the_loader_not_each_batch(monkeypatch):
    loader = small_loader()
    copies = []
    original = torch.Tensor.to

    def recording(self, *args, **kwargs):
        moved = original(self, *args, **kwargs)
        if moved.device != self.device:
            copies.append(tuple(self.shape))
        return moved

    monkeypatch.setattr(torch.Tensor, "to", recording)
    seen = []

    def net(X):
        seen.append(X.device)
        raise Stop

    with pytest.raises(Stop):
        d2l.train_epoch_ch3(net, loader, nn.CrossEntropyLoss(reduction="none"),
                            lambda n: None, device="meta")
    assert seen == [META]
    copies.clear()
    for _ in range(2):  # two epochs, every batch: what the trainer iterates
        assert len(list(passes._batches(loader, META, "train_iter"))) == 3
    # the images and labels once (already cached above: no copy), the order once per epoch
    assert copies == [(10,), (10,)]


def test_load_data_with_a_device_yields_batches_there(standin_dir, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    train_iter, test_iter = d2l.load_data_fashion_mnist(64, root=standin_dir, device="meta")
    X, y = next(iter(train_iter))
    assert (X.shape, X.device, y.device) == (torch.Size([64, 1, 28, 28]), META, META)
    assert next(iter(test_iter))[0].device == META


# --- no host sync per batch -----------------------------------------------------------

def count_host_reads(monkeypatch):
    reads = []
    for name in ("item", "tolist", "__float__", "__int__", "__bool__"):
        original = getattr(torch.Tensor, name)

        def counting(self, *args, _original=original, _name=name):
            reads.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(torch.Tensor, name, counting)
    return reads


@pytest.mark.parametrize("updater_kind", ["optimizer", "hand-written"])
def test_host_reads_per_epoch_do_not_grow_with_the_number_of_batches(monkeypatch, updater_kind):
    counts = {}
    for n in (3, 12):
        net, params = function_net()
        updater = (torch.optim.SGD(params, lr=0.1) if updater_kind == "optimizer"
                   else (lambda batch_size, params=params: d2l.sgd(params, 0.1, batch_size)))
        reads = count_host_reads(monkeypatch)
        result = d2l.train_ch3(net, batches(n), batches(n), nn.CrossEntropyLoss(reduction="none"),
                               2, updater, animator=None)
        monkeypatch.undo()
        counts[n] = len(reads)
        assert result.history[-1]["examples"] == 8 * n
    assert counts[3] == counts[12] and counts[3] <= 2 * 10  # a few per epoch, none per batch


# --- CUDA, where there is a GPU -------------------------------------------------------

@cuda
def test_cuda_function_net_with_sgd_matches_the_cpu():
    results = []
    for device in (None, "cuda"):
        net, params = function_net()
        torch.manual_seed(1)
        r = d2l.train_ch3(net, batches(8, 32), batches(2, 50),
                          nn.CrossEntropyLoss(reduction="none"), 3,
                          torch.optim.SGD(params, lr=0.1), device=device, animator=None)
        results.append((r[:3], params))
    (cpu, cpu_params), (gpu, gpu_params) = results
    assert gpu == pytest.approx(cpu, abs=1e-5)
    assert gpu_params[0].device.type == "cuda"
    assert torch.allclose(gpu_params[0].cpu(), cpu_params[0], atol=1e-5)


@cuda
def test_cuda_hand_written_updater_with_parameters_created_there():
    device = d2l.try_gpu()
    torch.manual_seed(0)
    W = (torch.randn(2, 4, device=device) * 0.1).requires_grad_()
    b = torch.zeros(4, device=device, requires_grad=True)
    r = d2l.train_ch3(lambda X: X @ W + b, batches(8, 32), batches(2, 50),
                      nn.CrossEntropyLoss(reduction="none"), 2,
                      lambda batch_size: d2l.sgd([W, b], 0.1, batch_size), device="auto",
                      animator=None)
    assert r.history[-1]["train_loss"] < r.history[0]["train_loss"]


@cuda
def test_cuda_loader_and_module_no_sync_per_batch(standin_dir, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    train_iter, test_iter = d2l.load_data_fashion_mnist(256, root=standin_dir)
    train_iter, valid_iter = d2l.split_validation(train_iter, 1000, 3000)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    updater = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss(reduction="none")
    subsets = [train_iter, d2l.split_validation(train_iter, 500, 500)[0]]  # 12 and 2 batches
    for subset in subsets:  # warm up: each split is copied to the GPU once, here
        d2l.train_epoch_ch3(net, subset, loss, updater, device="cuda")
    counts = []
    for subset in subsets:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                d2l.train_epoch_ch3(net, subset, loss, updater, device="cuda")
            finally:
                torch.cuda.set_sync_debug_mode("default")
        counts.append(sum("synchroniz" in str(w.message) for w in caught))
    assert counts[0] == counts[1]  # 12 batches or 2: the same few syncs per epoch
    assert next(net.parameters()).device.type == "cuda"


@cuda
def test_cuda_device_that_does_not_exist_lists_the_gpus():
    missing = torch.cuda.device_count()
    with pytest.raises(ValueError, match=rf"no cuda:{missing} \(devices here: cpu, cuda:0"):
        d2l.evaluate_accuracy(nn.Linear(2, 4), batches(), device=f"cuda:{missing}")


# --- the model's device decides where predict_ch3's batch goes (device=None) -------------

def test_predict_ch3_sends_the_batch_where_the_model_is():
    """After train_ch3(device='auto') on a GPU the model is there and device=None is the
    default: the batch must follow it (before, it stayed on the CPU: a raw device error)."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).to("meta")
    seen = []
    net.register_forward_pre_hook(lambda module, args: seen.append(args[0].device))
    data = [(torch.zeros(4, 1, 28, 28), torch.tensor([0, 1, 2, 3]))]
    with pytest.raises(ValueError, match="meta device, which holds shapes but no values"):
        d2l.predict_ch3(net, data, n=2)
    assert seen == [META]


def test_meta_device_passes_end_with_a_clear_error_not_torchs():
    net = nn.Linear(2, 4)
    for call in (lambda: d2l.evaluate_accuracy(net, batches(), device="meta"),
                 lambda: d2l.train_epoch_ch3(net, batches(), nn.CrossEntropyLoss(reduction="none"),
                                             torch.optim.SGD(net.parameters(), lr=0.1),
                                             device="meta")):
        with pytest.raises(ValueError, match="meta device") as info:
            call()
        assert "Tensor.item()" not in str(info.value)
