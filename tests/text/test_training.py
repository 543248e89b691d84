"""NgramModel.fit's learners: plain logistic regression (the shipped model) and LR + NB-weighted LR stacked
with the lexicon (``cxlens text train``), collapsed into one weight per feature."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cxlens.text.model import NgramModel, _design, _nb_ratio
from cxlens.text.training import train

GOOD = ["好吃", "很快", "热乎", "分量足", "服务好", "干净", "新鲜", "实惠"]
BAD = ["难吃", "太慢", "凉了", "分量少", "态度差", "洒了", "不新鲜", "太贵"]
FOOD = ["米饭", "饺子", "面条", "汉堡", "披萨", "粥", "炒饭", "鸡翅"]


def _corpus(n: int, seed: int = 3) -> tuple[list[list[str]], list[float], list[int]]:
    """Feature lists of n texts: a dish, two opinion words of the label's polarity (one of the other with
    probability 0.15) and some noise tokens; lexicon scores that agree with the label 70% of the time."""
    rng = np.random.default_rng(seed)
    feats, raws, labels = [], [], []
    for _ in range(n):
        y = int(rng.integers(2))
        own, other = (GOOD, BAD) if y else (BAD, GOOD)
        words = [str(rng.choice(FOOD)), str(rng.choice(own)), str(rng.choice(own))]
        if rng.random() < 0.15:
            words[2] = str(rng.choice(other))
        words += [f"x{int(rng.integers(40))}" for _ in range(3)]
        feats.append(sorted({"w:" + w for w in words}))
        raws.append((1.0 if y else -1.0) * (1 if rng.random() < 0.7 else -1) * float(rng.uniform(0.5, 2)))
        labels.append(y)
    return feats, raws, labels


def test_stacked_learners_collapse_into_one_linear_model() -> None:
    from sklearn.linear_model import LogisticRegression

    feats, raws, labels = _corpus(400)
    model = NgramModel.fit(feats, raws, labels, c=2.0, learners="lr+nblr")
    assert model.info["learners"] == "lr+nblr" and model.info["n_train"] == 400
    a_lr, a_nb = model.info["learner_weights"]
    assert model.stack[0] == 1.0 and a_lr > 0 and a_nb > 0
    assert model.stack[1] > 0  # the lexicon agrees with the labels more often than not
    # the stored weights are a_lr · (LR weights) + a_nb · (NB-LR weights · NB ratio), refitted here
    vocab, x = _design(feats, 2)
    y = np.array(labels)
    solver = {"C": 2.0, "solver": "liblinear", "dual": True, "max_iter": 5000}
    lr = LogisticRegression(**solver).fit(x, y)
    r = _nb_ratio((x > 0).astype(float).tocsr(), y)
    nb = LogisticRegression(**solver).fit(x.multiply(r).tocsr(), y)
    for doc in feats[:25]:
        cols = [vocab[f] for f in doc if f in vocab]
        z_lr = lr.intercept_[0] + lr.coef_[0][cols].sum() / np.sqrt(len(doc))
        z_nb = nb.intercept_[0] + (nb.coef_[0][cols] * r[cols]).sum() / np.sqrt(len(doc))
        assert model.logit(doc) == pytest.approx(a_lr * z_lr + a_nb * z_nb, abs=1e-4)


def test_plain_learner_keeps_the_shipped_models_recipe() -> None:
    from sklearn.linear_model import LogisticRegression

    feats, raws, labels = _corpus(300, seed=5)
    model = NgramModel.fit(feats, raws, labels, c=0.5, learners="lr")
    vocab, x = _design(feats, 2)
    lr = LogisticRegression(C=0.5, max_iter=2000).fit(x, np.array(labels))
    assert model.intercept == pytest.approx(lr.intercept_[0])
    assert model.weights["w:好吃"] == pytest.approx(lr.coef_[0][vocab["w:好吃"]])
    assert model.stack[0] == pytest.approx(model.info["learner_weights"][0], abs=1e-6)


def test_stacking_beats_either_part_and_is_cross_validated() -> None:
    feats, raws, labels = _corpus(600, seed=11)
    model = NgramModel.fit(feats, raws, labels, c=4.0, learners="lr+nblr")
    test_feats, test_raws, test_labels = _corpus(600, seed=12)
    z = np.array([model.combine(model.logit(f), r) for f, r in zip(test_feats, test_raws, strict=True)])
    accuracy = float(np.mean((z > 0) == np.array(test_labels)))
    lexicon_only = float(np.mean((np.array(test_raws) > 0) == np.array(test_labels)))
    assert accuracy > 0.9 > lexicon_only
    assert abs(model.info["cv_accuracy"] - accuracy) < 0.05


def test_workspace_training_defaults_save_and_load(tmp_path: Path) -> None:
    pos = ["味道很好，送得也快", "好吃，分量足", "热乎乎的，好评", "包装干净，很满意"] * 4
    neg = ["太难吃了", "送得太慢，凉了", "分量少，差评", "汤洒了，很失望"] * 4
    model = train(pos + neg, [1] * 16 + [0] * 16)
    assert model.info["learners"] == "lr+nblr" and model.info["c"] == 4.0 and model.info["combine"] == "stack"
    again = NgramModel.load(model.save(tmp_path / "m.gz"))
    assert again.stack == pytest.approx(model.stack, rel=1e-9)
    assert again.info["learner_weights"] == model.info["learner_weights"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"learners": "svm"}, "learners"), ({"c": 0.0}, "c must be"), ({"min_df": 99}, "min_df")],
)
def test_bad_fit_arguments_are_rejected(kwargs: dict[str, object], message: str) -> None:
    feats, raws, labels = _corpus(40)
    with pytest.raises(ValueError, match=message):
        NgramModel.fit(feats, raws, labels, **kwargs)  # type: ignore[arg-type]


def test_lengths_must_agree() -> None:
    feats, raws, labels = _corpus(40)
    with pytest.raises(ValueError, match="lexicon scores"):
        NgramModel.fit(feats, raws[:-1], labels)
