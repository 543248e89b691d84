"""NgramModel.fit's learners: plain logistic regression (the shipped model) and LR + NB-weighted LR in an
additive spline stack with the lexicon and the text's length (``cxlens text train``)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from cxlens.text.model import AdditiveStack, NgramModel, _design, _nb_ratio, features
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


def _refitted_logits(feats: list[list[str]], labels: list[int], c: float, first: int) -> list[tuple[float, float]]:
    """LR and NB-weighted LR refitted here with scikit-learn: their log-odds for the first texts."""
    from sklearn.linear_model import LogisticRegression

    vocab, x = _design(feats, 2)
    y = np.array(labels)
    solver = {"C": c, "solver": "liblinear", "dual": True, "max_iter": 5000}
    lr = LogisticRegression(**solver).fit(x, y)
    r = _nb_ratio((x > 0).astype(float).tocsr(), y)
    nb = LogisticRegression(**solver).fit(x.multiply(r).tocsr(), y)
    out = []
    for doc in feats[:first]:
        cols = [vocab[f] for f in doc if f in vocab]
        z_lr = lr.intercept_[0] + lr.coef_[0][cols].sum() / np.sqrt(len(doc))
        z_nb = nb.intercept_[0] + (nb.coef_[0][cols] * r[cols]).sum() / np.sqrt(len(doc))
        out.append((float(z_lr), float(z_nb)))
    return out


def test_workspace_learners_are_the_two_logistic_regressions_refitted() -> None:
    feats, raws, labels = _corpus(400)
    model = NgramModel.fit(feats, raws, labels, c=2.0, learners="lr+nblr")
    assert model.info["learners"] == "lr+nblr" and model.info["n_train"] == 400
    assert model.additive is not None and model.nb_weights is not None
    # no lengths given: the length input is constant and has no term; the other three have one each
    assert [t is None for t in model.additive.terms] == [False, False, False, True]
    for doc, (z_lr, z_nb) in zip(feats[:25], _refitted_logits(feats, labels, 2.0, 25), strict=True):
        assert model.logit(doc) == pytest.approx(z_lr, abs=1e-4)
        assert model.nb_logit(doc) == pytest.approx(z_nb, abs=1e-4)


def test_additive_stack_is_the_fitted_spline_regression_and_flat_beyond_its_knots() -> None:
    from scipy.interpolate import BSpline
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    x = np.column_stack([rng.normal(size=3000), rng.uniform(0, 5, 3000), np.full(3000, 2.0)])
    # the second input matters only in the middle of its range: a linear stack could not say so
    z = 1.5 * x[:, 0] + np.where(np.abs(x[:, 1] - 2.5) < 1, 2.0, -1.0)
    y = (rng.random(3000) < 1 / (1 + np.exp(-z))).astype(int)
    stack, fitted_z = AdditiveStack.fit(x, y)
    assert stack.terms[2] is None  # a constant input has no term
    ours = np.array([stack(row) for row in x])
    assert np.max(np.abs(ours - fitted_z)) < 1e-9
    # the same design built independently: clamped cubic B-splines on 5 quantile knots per input
    blocks = []
    for column in x.T[:2]:
        grid = np.quantile(column, np.linspace(0, 1, 5))
        blocks.append(BSpline.design_matrix(column, np.r_[[grid[0]] * 3, grid, [grid[-1]] * 3], 3).toarray())
    reference = LogisticRegression(C=1.0, max_iter=5000).fit(np.hstack(blocks), y)
    assert np.max(np.abs(reference.decision_function(np.hstack(blocks)) - ours)) < 1e-6
    middle, edge = stack((0.0, 2.5, 2.0)), stack((0.0, 0.2, 2.0))
    assert middle - edge > 1.5  # the bump is found
    lo, hi = x[:, 1].min(), x[:, 1].max()
    assert stack((0.0, lo - 10, 2.0)) == pytest.approx(stack((0.0, lo, 2.0)))
    assert stack((0.0, hi + 10, 2.0)) == pytest.approx(stack((0.0, hi, 2.0)))
    assert AdditiveStack.from_json(stack.to_json()) == stack
    with pytest.raises(ValueError, match="inputs"):
        stack((1.0, 2.0))
    with pytest.raises(ValueError, match="constant"):
        AdditiveStack.fit(np.ones((50, 2)), np.arange(50) % 2)


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
    z = np.array([model.log_odds(f, r, 0) for f, r in zip(test_feats, test_raws, strict=True)])
    accuracy = float(np.mean((z > 0) == np.array(test_labels)))
    lexicon_only = float(np.mean((np.array(test_raws) > 0) == np.array(test_labels)))
    assert accuracy > 0.9 > lexicon_only
    assert abs(model.info["cv_accuracy"] - accuracy) < 0.05


def test_workspace_training_defaults_save_and_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    texts, labels = [], []
    for i in range(300):  # ≥ 280: enough texts for the additive stack
        y = i % 2
        own = GOOD if y else BAD
        texts.append(f"{rng.choice(FOOD)}{rng.choice(own)}，{rng.choice(own)}" + "，还有" * int(rng.integers(3)))
        labels.append(y)
    model = train(texts, labels)
    assert model.info["learners"] == "lr+nblr" and model.info["c"] == 4.0 and model.info["combine"] == "stack"
    assert model.info["stacker"] == "additive cubic splines"
    assert model.info["cv_correct"] == round(model.info["cv_accuracy"] * 300) and model.info["cv_accuracy"] > 0.9
    path = model.save(tmp_path / "m.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        assert json.loads(fh.readline())["format"] == 2
        assert all(len(line.split("\t")) == 3 for line in fh)
    again = NgramModel.load(path)
    assert again.additive == model.additive and again.info == model.info
    for text in ["饺子好吃", "米饭难吃，太慢", "还行"]:
        feats = features(text, list(text))
        assert again.log_odds(feats, 0.5, len(text)) == pytest.approx(model.log_odds(feats, 0.5, len(text)), abs=1e-3)


def test_few_texts_get_a_linear_stack_collapsed_into_one_weight_per_feature() -> None:
    feats, raws, labels = _corpus(200)  # < 280 texts: splines would overfit
    model = NgramModel.fit(feats, raws, labels, lengths=[len(f) for f in feats], c=2.0, learners="lr+nblr")
    assert model.info["stacker"] == "linear" and model.additive is None and model.nb_weights is None
    a_lr, a_nb = model.info["learner_weights"]
    assert model.stack[0] == 1.0 and a_lr > 0 and a_nb > 0
    assert model.stack[1] > 0  # the lexicon agrees with the labels more often than not
    # the stored weights are a_lr · (LR weights) + a_nb · (NB-LR weights · NB ratio), refitted here
    for doc, (z_lr, z_nb) in zip(feats[:25], _refitted_logits(feats, labels, 2.0, 25), strict=True):
        assert model.logit(doc) == pytest.approx(a_lr * z_lr + a_nb * z_nb, abs=1e-4)
    # as many texts as the rule asks for and the stack is additive
    more = NgramModel.fit(*_corpus(280), lengths=list(range(280)), learners="lr+nblr")
    assert more.info["stacker"] == "additive cubic splines"


def test_cross_validated_accuracy_is_out_of_fold_for_the_stacker_too() -> None:
    # labels unrelated to the texts: an honest estimate stays near chance (the stacker fitted and scored on
    # the same out-of-fold scores gets 0.61 here)
    feats, raws, _ = _corpus(400, seed=21)
    labels = np.random.default_rng(2).integers(0, 2, 400).tolist()
    model = NgramModel.fit(feats, raws, labels, lengths=[len(f) for f in feats], learners="lr+nblr")
    assert model.info["stacker"] == "additive cubic splines"
    assert 0.42 < model.info["cv_accuracy"] < 0.58  # within 3 standard errors of chance


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


def test_a_linear_stack_saved_by_an_earlier_version_still_scores(tmp_path: Path) -> None:
    from cxlens.text.analyzer import Analyzer

    old = NgramModel({"好吃": 2.0, "难吃": -2.0}, 0.1, (0.8, 0.3, -0.2), {"combine": "stack", "learners": "lr+nblr"})
    path = old.save(tmp_path / "old.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        assert json.loads(fh.readline())["format"] == 1
    again = NgramModel.load(path)
    assert again.additive is None and again.stack == old.stack
    feats = ["好吃", "w:好吃"]
    assert again.log_odds(feats, 1.5, 2) == pytest.approx(0.8 * (0.1 + 2.0 / np.sqrt(2)) + 0.3 * 1.5 - 0.2)
    assert Analyzer(again).score_text("好吃") > 0 > Analyzer(again).score_text("难吃")
