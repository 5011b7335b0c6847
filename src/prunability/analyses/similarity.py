"""Activation similarity between two networks on the same inputs (the structure paper's Algorithm 3),
accumulated batch by batch so that memory does not grow with the number of test images.

A layer's activations are a matrix of rows = samples and columns = neurons; a conv output [N, C, H, W]
becomes [N*H*W, C] (every position of every image is a sample, each filter a neuron). Two measures:

- per-neuron cosine similarity: for neuron c, <a_c, b_c> / (|a_c| |b_c|) over all rows, where a_c and b_c
  are that neuron's activation columns in the two networks (uncentred, since the paper's equation is lost);
- linear CKA (Kornblith et al. 2019), basis-invariant: with column-centred A and B,
  ||B^T A||_F^2 / (||A^T A||_F ||B^T B||_F).

Both need only running sums: per-neuron dot products and squared norms, and for CKA the cross-products
A^T B, A^T A, B^T B with the column sums that centre them. Sums are float64.
"""

import torch
from torch import Tensor


def as_rows(activations: Tensor) -> Tensor:
    """[N, C] stays; [N, C, *spatial] -> [N * prod(spatial), C]."""
    if activations.dim() == 2:
        return activations
    return activations.movedim(1, -1).reshape(-1, activations.shape[1])


class Similarity:
    """Running sums for one layer's pair of activations; ``update`` per batch, then ``cosine()`` and ``cka()``."""

    def __init__(self) -> None:
        self.rows = 0
        self.sums: dict[str, Tensor] = {}

    def _add(self, key: str, value: Tensor) -> None:
        self.sums[key] = self.sums[key] + value if key in self.sums else value

    def update(self, a: Tensor, b: Tensor) -> None:
        a, b = as_rows(a).double(), as_rows(b).double()
        self.rows += a.shape[0]
        for key, value in (
            ("dot", (a * b).sum(0)),
            ("aa", (a * a).sum(0)),
            ("bb", (b * b).sum(0)),
            ("sa", a.sum(0)),
            ("sb", b.sum(0)),
            ("ab", a.T @ b),
            ("a_a", a.T @ a),
            ("b_b", b.T @ b),
        ):
            self._add(key, value)

    def cosine(self) -> Tensor:
        """Per-neuron cosine similarity; a neuron silent in either network gets NaN."""
        s = self.sums
        return s["dot"] / (s["aa"] * s["bb"]).sqrt()

    def cka(self) -> float:
        """Linear CKA of the column-centred activations."""
        s, n = self.sums, self.rows
        ab = s["ab"] - torch.outer(s["sa"], s["sb"]) / n
        aa = s["a_a"] - torch.outer(s["sa"], s["sa"]) / n
        bb = s["b_b"] - torch.outer(s["sb"], s["sb"]) / n
        return float((ab**2).sum() / (aa.norm() * bb.norm()))
