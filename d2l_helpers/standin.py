"""An offline stand-in for Fashion-MNIST: ten garment classes drawn procedurally.

Same label names and order, 28x28 grayscale, bright garment on black. Each image
varies in position, size, brightness and texture. The four tops (t-shirt, pullover,
coat, shirt) share a body and differ in sleeves, collar, opening and hem, so they
are the most confused, as in the real data. Only +, -, *, /, abs, sqrt, floor and
clip are used, so the bytes are identical on every machine.
"""
import numpy as np

SIZE = 28
_GRID = np.arange(SIZE, dtype=np.float32) + np.float32(0.5)


def _ramp(distance, sharpness):
    """Soft inside-ness from a signed distance (positive inside), linear over ~1 pixel."""
    return np.clip(distance * sharpness + np.float32(0.5), 0, 1)


def _box(u, v, k, x0, x1, y0, y1):
    return np.minimum(np.minimum(_ramp(u - x0, k), _ramp(x1 - u, k)),
                      np.minimum(_ramp(v - y0, k), _ramp(y1 - v, k)))


def _trapezoid(u, v, k, top_half_width, bottom_half_width, y0, y1, center=0.0):
    """A symmetric trapezoid around ``center`` whose width changes linearly from y0 to y1."""
    t = np.clip((v - y0) / (y1 - y0), 0, 1)
    half = top_half_width + (bottom_half_width - top_half_width) * t
    return np.minimum(_ramp(half - np.abs(u - center), k),
                      np.minimum(_ramp(v - y0, k), _ramp(y1 - v, k)))


def _triangle_wave(x):
    return np.abs(x - 2 * np.floor(x / 2) - 1)  # period 2, values in [0, 1]


def _uniform(rng, n, low, high):
    return rng.uniform(low, high, size=(n, 1, 1)).astype(np.float32)


def _top(u, v, k, rng, n, sleeve_length, collar, opening, hem, length):
    """A top: body, two sleeves reaching down to ``sleeve_length``, optional details."""
    half_width = _uniform(rng, n, 0.42, 0.58)
    shoulder = _uniform(rng, n, -0.82, -0.7)
    flare = _uniform(rng, n, -0.04, 0.08)
    body = _trapezoid(u, v, k, half_width, half_width + flare, shoulder, length)
    sleeve_width = _uniform(rng, n, 0.16, 0.26)
    slant = _uniform(rng, n, 0.05, 0.3)  # sleeves hang outwards
    sleeves = np.zeros_like(body)
    for side in (-1, 1):
        reach = np.clip((v - shoulder) / 1.6, 0, 1) * slant
        inner = half_width - 0.02 + reach
        arm = np.minimum(_ramp(side * u - inner, k), _ramp(inner + sleeve_width - side * u, k))
        sleeves = np.maximum(sleeves, np.minimum(arm, np.minimum(
            _ramp(v - shoulder, k), _ramp(sleeve_length - v, k))))
    shape = np.maximum(body, sleeves)
    neck = _uniform(rng, n, 0.12, 0.2)
    shape = shape * (1 - _ramp(1 - (u / neck) ** 2 - ((v - shoulder) / 0.12) ** 2, 4))
    shade = np.ones_like(shape)
    if collar is not None:
        lapel = _trapezoid(u, v, k, neck + 0.02, 0.02, shoulder, shoulder + 0.28)
        shade = shade - collar * lapel * 0.45
    if opening is not None:
        shade = shade - opening * _ramp(0.04 - np.abs(u), k) * _ramp(v - shoulder, k)
    if hem is not None:
        shade = shade - hem * _box(u, v, k, -1.0, 1.0, length - 0.14, length) * (
            0.5 * _triangle_wave(u * 9))
    return shape * np.clip(shade, 0.15, 1)


def _flag(rng, n, p, low, high):
    """Per-image strength of a detail: present with probability ``p``, else 0."""
    present = (rng.uniform(size=(n, 1, 1)) < p).astype(np.float32)
    return present * _uniform(rng, n, low, high)


def _tshirt(u, v, k, rng, n):
    return _top(u, v, k, rng, n, _uniform(rng, n, -0.55, -0.15), None, None, None,
                _uniform(rng, n, 0.7, 0.9))


def _pullover(u, v, k, rng, n):
    return _top(u, v, k, rng, n, _uniform(rng, n, 0.35, 0.85), None, None,
                _flag(rng, n, 0.7, 0.3, 0.9), _uniform(rng, n, 0.65, 0.85))


def _coat(u, v, k, rng, n):
    return _top(u, v, k, rng, n, _uniform(rng, n, 0.5, 0.9), _flag(rng, n, 0.6, 0.3, 0.9),
                _flag(rng, n, 0.8, 0.2, 0.8), None, _uniform(rng, n, 0.8, 0.95))


def _shirt(u, v, k, rng, n):
    short = rng.uniform(size=(n, 1, 1)) < 0.3  # short-sleeved shirts exist, as in the real data
    sleeve = np.where(short, _uniform(rng, n, -0.5, -0.1), _uniform(rng, n, 0.2, 0.8))
    shape = _top(u, v, k, rng, n, sleeve.astype(np.float32), _flag(rng, n, 0.8, 0.2, 0.7),
                 _flag(rng, n, 0.5, 0.1, 0.4), None, _uniform(rng, n, 0.7, 0.9))
    checks = _flag(rng, n, 0.4, 0.15, 0.35)  # checked or striped fabric
    period = _uniform(rng, n, 4, 8)
    pattern = np.maximum(_triangle_wave(u * period), _triangle_wave(v * period))
    return shape * (1 - checks * pattern)


def _trouser(u, v, k, rng, n):
    top, bottom = _uniform(rng, n, -0.95, -0.85), _uniform(rng, n, 0.85, 0.98)
    half_width, gap = _uniform(rng, n, 0.28, 0.42), _uniform(rng, n, 0.03, 0.1)
    flare = _uniform(rng, n, -0.05, 0.08)
    crotch = top + _uniform(rng, n, 0.25, 0.45)
    outline = _trapezoid(u, v, k, half_width, half_width + flare, top, bottom)
    between = _trapezoid(u, v, k, gap * 0.3, gap + flare * 0.5, crotch, bottom + 0.1)
    return outline * (1 - between)


def _dress(u, v, k, rng, n):
    top, bottom = _uniform(rng, n, -0.95, -0.8), _uniform(rng, n, 0.85, 0.98)
    waist = _uniform(rng, n, -0.35, -0.1)
    bodice = _trapezoid(u, v, k, _uniform(rng, n, 0.2, 0.3), _uniform(rng, n, 0.16, 0.24),
                        top, waist)
    skirt = _trapezoid(u, v, k, _uniform(rng, n, 0.16, 0.24), _uniform(rng, n, 0.45, 0.75),
                       waist, bottom)
    belt = _flag(rng, n, 0.4, 0.3, 0.6) * _box(u, v, k, -1, 1, waist - 0.04, waist + 0.04)
    return np.maximum(bodice, skirt) * (1 - belt)


def _sole_and_upper(u, v, k, rng, n, height):
    """A shoe seen from the side, toe to the left: sole plus an upper of ``height``."""
    sole_top = _uniform(rng, n, 0.2, 0.32)
    sole = _box(u, v, k, -0.95, 0.92, sole_top, sole_top + _uniform(rng, n, 0.1, 0.18))
    rise = np.clip((u + 0.95) / 1.3, 0, 1)  # the upper rises from toe to ankle
    upper = np.minimum(_ramp(v - (sole_top - 0.12 - height * rise), k),
                       np.minimum(_ramp(sole_top + 0.02 - v, k),
                                  _box(u, v, k, -0.92, 0.9, -2, 2)))
    return sole, upper, sole_top


def _sandal(u, v, k, rng, n):
    sole, upper, _ = _sole_and_upper(u, v, k, rng, n, _uniform(rng, n, 0.25, 0.5))
    period = _uniform(rng, n, 5, 9)
    straps = _ramp(_triangle_wave(u * period + v * _uniform(rng, n, -3, 3)) - 0.55, 6)
    return np.maximum(sole, upper * straps * 0.85)


def _sneaker(u, v, k, rng, n):
    sole, upper, sole_top = _sole_and_upper(u, v, k, rng, n, _uniform(rng, n, 0.3, 0.55))
    laces = _flag(rng, n, 0.7, 0.2, 0.5) * _ramp(_triangle_wave(u * 8) - 0.6, 6) * _box(
        u, v, k, -0.3, 0.4, sole_top - 0.5, sole_top - 0.2)
    return np.maximum(sole, upper * (1 - laces) * _uniform(rng, n, 0.6, 0.95))


def _ankle_boot(u, v, k, rng, n):
    sole, upper, sole_top = _sole_and_upper(u, v, k, rng, n, _uniform(rng, n, 0.3, 0.5))
    shaft_top = _uniform(rng, n, -0.95, -0.6)
    shaft = _box(u, v, k, _uniform(rng, n, -0.05, 0.2), _uniform(rng, n, 0.75, 0.92),
                 shaft_top, sole_top + 0.02)
    heel = _box(u, v, k, 0.55, 0.92, sole_top, sole_top + _uniform(rng, n, 0.2, 0.3))
    return np.maximum(np.maximum(sole, heel), np.maximum(upper, shaft) * 0.9)


def _bag(u, v, k, rng, n):
    half_width = _uniform(rng, n, 0.6, 0.9)
    top, bottom = _uniform(rng, n, -0.4, -0.1), _uniform(rng, n, 0.6, 0.9)
    body = _trapezoid(u, v, k, half_width - _uniform(rng, n, 0, 0.15), half_width, top, bottom)
    radius = _uniform(rng, n, 0.3, 0.5)
    ring = np.sqrt(u * u + (v - top) ** 2)
    handle = _ramp(0.07 - np.abs(ring - radius), k) * _ramp(top - v, k)
    handle = handle * (rng.uniform(size=(n, 1, 1)) < 0.8)  # some bags are clutches
    flap = _flag(rng, n, 0.5, 0.2, 0.5) * _ramp(0.03 - np.abs(v - top - 0.25), k)
    return np.maximum(body * (1 - flap), handle)


_DRAW = [_tshirt, _trouser, _pullover, _dress, _coat, _sandal, _shirt, _sneaker, _bag,
         _ankle_boot]  # Fashion-MNIST's label order


def _render(label, n, rng):
    scale = _uniform(rng, n, 0.75, 1.08) * np.float32(13.0)
    center_x = np.float32(14.0) + _uniform(rng, n, -3.5, 3.5)
    center_y = np.float32(14.0) + _uniform(rng, n, -3.0, 3.0)
    u = (_GRID[None, None, :] - center_x) / scale
    v = (_GRID[None, :, None] - center_y) / scale
    sharpness = scale * np.float32(0.9)
    shape = _DRAW[label](u, v, sharpness, rng, n)
    brightness = _uniform(rng, n, 0.3, 1.0)
    gradient = 1 + _uniform(rng, n, -0.35, 0.35) * v  # uneven lighting
    grain = 1 - _uniform(rng, n, 0.0, 0.2) * rng.uniform(size=(n, SIZE, SIZE)).astype(np.float32)
    image = shape * brightness * gradient * grain
    return np.clip(np.floor(image * 255 + 0.5), 0, 255).astype(np.uint8)


def generate(per_class, seed):
    """Return ``(images, labels)``: ``per_class`` images of each of the 10 classes, shuffled.

    ``images`` is uint8 ``(10 * per_class, 28, 28)``, ``labels`` uint8; the same
    ``per_class`` and ``seed`` give the same bytes on every machine.
    """
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ValueError(f"per_class must be a positive int, got {per_class!r}")
    rng = np.random.default_rng(seed)
    images = np.concatenate([_render(label, per_class, rng) for label in range(10)])
    labels = np.repeat(np.arange(10, dtype=np.uint8), per_class)
    order = rng.permutation(len(labels))
    return images[order], labels[order]
