"""Clip augmentation ops on batches of clips, in torch.

One implementation for both places where clips are augmented: the data
workers' ``Clip*`` transforms (one clip, a CPU tensor viewing the numpy
frames) and :class:`~scfa_mm.models.ClipAugmentDataPreprocessor` (every
view of a batch at once, on the training device). Every op takes clips
``(B, 3, T, H, W)``, float, RGB in ``[0, 255]``, and one value per clip
``(B, )``: the same value for every frame of a clip, each clip its own.
Colour ops clip the result to ``[0, 255]``, as the official CVRL code
(tensorflow/models ``official/projects/video_ssl``, after SimCLR v2) does
after every op.

Why not Kornia, whose video augmentation also draws once per clip: its
ops are torchvision's (contrast towards each image's grey mean, saturation
blended with grey, blur with reflected borders), not the release's
(contrast towards each channel's mean over the clip, saturation scaled in
HSV, zero padding), and it draws on the device from torch's global
generator, where exact resume needs the draws of the sample's seeded
generator in the data worker. The ops are a few lines of torch each.
"""
from typing import Tuple

import torch
import torch.nn.functional as F

# ITU-R 601 luma, as tf.image.rgb_to_grayscale
LUMA = (0.2989, 0.5870, 0.1140)


def _per_clip(values: torch.Tensor, clips: torch.Tensor) -> torch.Tensor:
    """``(B, )`` -> ``(B, 1, 1, 1, 1)`` in the clips' dtype and device."""
    return values.to(clips).view(-1, 1, 1, 1, 1)


def adjust_brightness(clips: torch.Tensor,
                      factors: torch.Tensor) -> torch.Tensor:
    """``x * f``."""
    return (clips * _per_clip(factors, clips)).clamp_(0, 255)


def adjust_contrast(clips: torch.Tensor,
                    factors: torch.Tensor) -> torch.Tensor:
    """``m_c + f * (x - m_c)``, ``m_c`` the mean of channel ``c`` over every
    pixel of every frame of the clip (the official code's clip is one tall
    image)."""
    means = clips.mean(dim=(2, 3, 4), keepdim=True)
    return (means + _per_clip(factors, clips) * (clips - means)).clamp_(0, 255)


def adjust_saturation(clips: torch.Tensor,
                      factors: torch.Tensor) -> torch.Tensor:
    """Scale the saturation ``S`` of HSV by ``f``, ``S`` clipped to
    ``[0, 1]``; hue and value stay.

    With hue and value ``V = max(r, g, b)`` fixed, every channel is
    ``V - S * V * k(H)``: scaling ``S`` by ``s`` scales ``V - x`` by ``s``,
    and clipping ``S`` at 1 is ``s <= V / (V - min(r, g, b))``. No round
    trip through HSV.
    """
    value = clips.amax(dim=1, keepdim=True)
    chroma = value - clips.amin(dim=1, keepdim=True)
    scale = torch.minimum(
        _per_clip(factors, clips),
        value / chroma.clamp(min=torch.finfo(clips.dtype).tiny))
    return (value - scale * (value - clips)).clamp_(0, 255)


def _hue(clips: torch.Tensor, value: torch.Tensor,
         chroma: torch.Tensor) -> torch.Tensor:
    """Hue in sixths of the circle, ``[0, 6)`` (0 where grey), as OpenCV's
    RGB -> HSV: the red formula where red is the largest channel, then
    green, then blue."""
    red, green, blue = clips.unbind(dim=1)
    value, chroma = value[:, 0], chroma[:, 0].clamp(
        min=torch.finfo(clips.dtype).tiny)
    hue = torch.where(
        value == red, (green - blue) / chroma,
        torch.where(value == green, 2 + (blue - red) / chroma,
                    4 + (red - green) / chroma))
    return torch.remainder(hue, 6)


def adjust_hue(clips: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Rotate the hue of HSV by ``shift`` of the colour circle
    (``[-0.5, 0.5]``); saturation and value stay."""
    value = clips.amax(dim=1, keepdim=True)
    chroma = value - clips.amin(dim=1, keepdim=True)
    hue = _hue(clips, value, chroma).unsqueeze(1)
    hue = torch.remainder(hue + 6 * _per_clip(shifts, clips), 6)
    # HSV -> RGB: channel n (5, 3, 1 for r, g, b) is
    # V - C * clip(min(k, 4 - k), 0, 1), k = (n + hue) mod 6
    offsets = clips.new_tensor([5., 3., 1.]).view(1, 3, 1, 1, 1)
    k = torch.remainder(offsets + hue, 6)
    return (value - chroma * torch.minimum(k, 4 - k).clamp_(0, 1)).clamp_(
        0, 255)


COLOR_OPS = dict(
    brightness=adjust_brightness,
    contrast=adjust_contrast,
    saturation=adjust_saturation,
    hue=adjust_hue)


def to_grayscale(clips: torch.Tensor) -> torch.Tensor:
    """Luma in all three channels."""
    luma = clips.new_tensor(LUMA).view(1, 3, 1, 1, 1)
    return (clips * luma).sum(dim=1, keepdim=True).expand_as(clips)


def solarize(clips: torch.Tensor) -> torch.Tensor:
    """Values at or above 127.5 (half the range) become ``255 - x``."""
    return torch.where(clips >= 127.5, 255 - clips, clips)


def blur_kernel_size(height: int) -> int:
    """Odd Gaussian kernel size for frames of ``height`` rows: the official
    CVRL code's ``height // 10``, made odd by ``2 * (k // 2) + 1``."""
    return 2 * (height // 10 // 2) + 1


def gaussian_blur(clips: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """Blur every frame of clip ``b`` with a Gaussian of ``sigmas[b]``,
    kernel :func:`blur_kernel_size` of the height, separable, zero padding
    (the official code's ``SAME`` convolution: the border darkens)."""
    num_clips, channels, num_frames, height, width = clips.shape
    size = blur_kernel_size(height)
    taps = torch.arange(size, dtype=clips.dtype, device=clips.device)
    taps = taps - (size - 1) / 2
    kernels = torch.exp(-taps**2 / (2 * sigmas.to(clips).view(-1, 1)**2))
    kernels = kernels / kernels.sum(dim=1, keepdim=True)
    # one group per (clip, channel, frame) plane, its clip's kernel
    kernels = kernels.repeat_interleave(channels * num_frames, dim=0)
    planes = clips.reshape(1, -1, height, width)
    planes = F.conv2d(
        planes,
        kernels.view(-1, 1, size, 1),
        padding=(size // 2, 0),
        groups=planes.shape[1])
    planes = F.conv2d(
        planes,
        kernels.view(-1, 1, 1, size),
        padding=(0, size // 2),
        groups=planes.shape[1])
    # weights sum to one: only float rounding can leave the range
    return planes.view(clips.shape).clamp_(0, 255)


def resized_crop(clips: torch.Tensor,
                 boxes: torch.Tensor,
                 size: Tuple[int, int],
                 flips: torch.Tensor = None) -> torch.Tensor:
    """Crop box ``b`` of clip ``b`` and resize it to ``size`` (h, w),
    bilinear, optionally flipped left-right.

    As OpenCV's bilinear resize of the cropped frames (MMAction2's
    ``RandomResizedCrop`` then ``Resize``): output pixel ``i`` samples the
    crop at ``(i + 0.5) * crop / out - 0.5``, clamped to the crop (its
    border repeats), no antialiasing.

    Args:
        clips (Tensor): ``(B, C, T, H, W)``, float.
        boxes (Tensor): ``(B, 4)`` pixel boxes ``x1, y1, x2, y2``, ends
            excluded.
        size (tuple[int, int]): Output height and width.
        flips (Tensor, optional): ``(B, )`` bool, flip clip ``b``.

    Returns:
        Tensor: ``(B, C, T, *size)``.
    """
    num_clips, channels, num_frames, height, width = clips.shape
    out_h, out_w = size
    boxes = boxes.to(device=clips.device, dtype=torch.float64)

    def sample_points(start, end, out, extent):
        steps = torch.arange(out, device=clips.device, dtype=torch.float64)
        points = (
            start[:, None] + (steps + 0.5) * (end - start)[:, None] / out -
            0.5)
        points = torch.maximum(
            torch.minimum(points, end[:, None] - 1), start[:, None])
        # grid_sample's normalised coordinates, align_corners=False
        return ((2 * points + 1) / extent - 1).to(clips.dtype)

    xs = sample_points(boxes[:, 0], boxes[:, 2], out_w, width)
    if flips is not None:
        xs = torch.where(flips.to(clips.device).view(-1, 1), xs.flip(1), xs)
    ys = sample_points(boxes[:, 1], boxes[:, 3], out_h, height)
    grid = torch.stack(
        (xs[:, None, :].expand(-1, out_h, -1), ys[:, :, None].expand(
            -1, -1, out_w)),
        dim=-1)
    planes = clips.reshape(num_clips, channels * num_frames, height, width)
    planes = F.grid_sample(
        planes,
        grid,
        mode='bilinear',
        padding_mode='border',
        align_corners=False)
    return planes.view(num_clips, channels, num_frames, out_h,
                       out_w).clamp_(0, 255)
