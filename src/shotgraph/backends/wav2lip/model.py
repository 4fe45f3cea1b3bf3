"""The Wav2Lip generator in torch, laid out so the public checkpoints load as they are.

Every layer is a convolution (or transposed convolution) followed by batch norm and ReLU, with an
identity shortcut on the residual ones. The face encoder takes the target face with its lower half
blanked, stacked with a reference face (6 channels, 96x96), down to 1x1; the audio encoder takes
an (80 mels x 16 columns) window to a 512-d embedding; the decoder upsamples the embedding back to
96x96, concatenating the face encoder's features at each scale (a U-Net), and a sigmoid head
gives the BGR face in 0..1. The module names (``face_encoder_blocks.N.M.conv_block.0`` ...) are
the checkpoint's keys.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ConvBlock(nn.Module):
    """conv (or transposed conv) -> batch norm -> (+ input) -> ReLU."""

    def __init__(self, cin: int, cout: int, kernel: int, stride=1, padding=0, residual: bool = False,
                 transpose: bool = False, output_padding: int = 0):
        super().__init__()
        if transpose:
            conv = nn.ConvTranspose2d(cin, cout, kernel, stride, padding, output_padding)
        else:
            conv = nn.Conv2d(cin, cout, kernel, stride, padding)
        self.conv_block = nn.Sequential(conv, nn.BatchNorm2d(cout))
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_block(x)
        if self.residual:
            out = out + x
        return F.relu(out)


def _down(cin: int, cout: int, stride, residuals: int, kernel: int = 3, padding: int = 1) -> list[nn.Module]:
    """A strided block followed by ``residuals`` residual 3x3 blocks at the new width."""
    return [ConvBlock(cin, cout, kernel, stride, padding)] + [
        ConvBlock(cout, cout, 3, 1, 1, residual=True) for _ in range(residuals)]


def _up(cin: int, cout: int, stride: int, residuals: int) -> nn.Sequential:
    padding, output_padding = (0, 0) if stride == 1 else (1, 1)
    return nn.Sequential(ConvBlock(cin, cout, 3, stride, padding, transpose=True, output_padding=output_padding),
                         *[ConvBlock(cout, cout, 3, 1, 1, residual=True) for _ in range(residuals)])


# (in, out, stride, residual blocks) per face-encoder stage: 96 -> 96, 48, 24, 12, 6, 3
_FACE_STAGES = [(16, 32, 2, 2), (32, 64, 2, 3), (64, 128, 2, 2), (128, 256, 2, 2), (256, 512, 2, 1)]
_AUDIO_STAGES = [(32, 64, (3, 1), 2), (64, 128, 3, 2), (128, 256, (3, 2), 1)]
# (in, out, stride, residual blocks) per decoder stage; inputs include the skip connection
_DECODER_STAGES = [(1024, 512, 1, 1), (1024, 512, 2, 2), (768, 384, 2, 2), (512, 256, 2, 2), (320, 128, 2, 2),
                   (160, 64, 2, 2)]


class Wav2Lip(nn.Module):
    """``forward(mel (B, 1, 80, 16), faces (B, 6, 96, 96)) -> (B, 3, 96, 96)`` BGR in 0..1."""

    def __init__(self):
        super().__init__()
        self.face_encoder_blocks = nn.ModuleList(
            [nn.Sequential(ConvBlock(6, 16, 7, 1, 3))]
            + [nn.Sequential(*_down(cin, cout, stride, n)) for cin, cout, stride, n in _FACE_STAGES]
            + [nn.Sequential(ConvBlock(512, 512, 3, 1, 0), ConvBlock(512, 512, 1, 1, 0))]
        )
        audio = _down(1, 32, 1, 2)
        for cin, cout, stride, n in _AUDIO_STAGES:
            audio += _down(cin, cout, stride, n)
        audio += [ConvBlock(256, 512, 3, 1, 0), ConvBlock(512, 512, 1, 1, 0)]
        self.audio_encoder = nn.Sequential(*audio)
        self.face_decoder_blocks = nn.ModuleList(
            [nn.Sequential(ConvBlock(512, 512, 1, 1, 0))]
            + [_up(cin, cout, stride, n) for cin, cout, stride, n in _DECODER_STAGES]
        )
        self.output_block = nn.Sequential(ConvBlock(80, 32, 3, 1, 1), nn.Conv2d(32, 3, 1, 1, 0), nn.Sigmoid())

    def forward(self, mel: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
        skips = []
        x = faces
        for block in self.face_encoder_blocks:
            x = block(x)
            skips.append(x)
        x = self.audio_encoder(mel)
        for block in self.face_decoder_blocks:
            x = torch.cat([block(x), skips.pop()], dim=1)
        return self.output_block(x)
