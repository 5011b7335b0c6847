"""How hard the procedural image substitute is, by setting: a logistic regression on the raw pixels.

A substitute on which a linear model on the pixels is already perfect leaves a ResNet nothing to lose when it is
pruned, so every round matches until the network collapses. This prints, for each setting of the generator
(``prunability.data.procedural``), the test accuracy of scikit-learn's logistic regression on the pixels scaled
to [0, 1]: a cheap first reading of difficulty before any IMP round is spent on it.

    python benchmarks/substitute_difficulty.py [--per-class 150] [--test-per-class 100] [--size 8]
"""

import argparse
import time

import torch
from sklearn.linear_model import LogisticRegression

from prunability.data.procedural import procedural

# (classes, spread, contrast, intrinsic dimension): the generator's default first, then harder ones.
SETTINGS = [
    (10, 1.2, 3.0, 128),
    (10, 2.5, 3.0, 128),
    (10, 4.0, 3.0, 128),
    (10, 2.5, 1.5, 128),
    (20, 2.5, 3.0, 128),
    (10, 2.5, 3.0, 16),
    (10, 4.0, 3.0, 16),
]


def linear_accuracy(images: dict[str, torch.Tensor]) -> float:
    """Test accuracy of a logistic regression fitted on the training pixels."""
    x_train = images["x_train"].flatten(1).float().div(255).numpy()
    x_test = images["x_test"].flatten(1).float().div(255).numpy()
    model = LogisticRegression(max_iter=300).fit(x_train, images["y_train"].numpy())
    return float(model.score(x_test, images["y_test"].numpy()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--per-class", type=int, default=150)
    p.add_argument("--test-per-class", type=int, default=100)
    p.add_argument("--size", type=int, default=8)
    args = p.parse_args()
    torch.set_num_threads(1)
    print("classes  spread  contrast  d    linear accuracy (%)  seconds")
    for classes, spread, contrast, d in SETTINGS:
        tic = time.perf_counter()
        images = procedural(
            d,
            seed=0,
            classes=classes,
            per_class=args.per_class,
            test_per_class=args.test_per_class,
            truncation=0.5,
            size=args.size,
            contrast=contrast,
            spread=spread,
        )
        accuracy, seconds = 100 * linear_accuracy(images), time.perf_counter() - tic
        print(f"{classes:7d}  {spread:6.1f}  {contrast:8.1f}  {d:3d}  {accuracy:19.1f}  {seconds:7.1f}")


if __name__ == "__main__":
    main()
