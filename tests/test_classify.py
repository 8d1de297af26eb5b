"""The offline keyword classifier: one category per paper, a confidence, sensible on clear cases.

Fixture papers are written for these tests. The last test measures the classifier on the
hand-labelled real papers in ../shared/data when that folder is present.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.classify.keyword import KeywordClassifier, words
from digest.models import Classification, Paper
from digest.classify.taxonomy import load_taxonomy, parse_taxonomy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def clf() -> KeywordClassifier:
    return KeywordClassifier(load_taxonomy())


def paper(title: str, abstract: str = "", categories: tuple[str, ...] = (), pid: str = "2411.00001") -> Paper:
    return Paper(pid, title, abstract, categories=categories)


CLEAR = [
    ("Computer Vision", "Sharper Masks: Boundary-Aware Semantic Segmentation for Street Scenes",
     "We present a segmentation network that refines object boundaries in street images. A light "
     "decoder predicts per-pixel labels and improves mIoU on two driving datasets."),
    ("Security", "Persona Chains: Multi-Turn Jailbreak Attacks on Aligned Chatbots",
     "We show that a sequence of role-play turns bypasses safety filters. Our jailbreak succeeds on "
     "five commercial models, and we discuss defenses against such attacks."),
    ("Multimodal", "PixelTalk: A Multimodal Large Language Model for Chart and Diagram Questions",
     "Multimodal large language models (MLLMs) still misread charts. We train a vision-language model "
     "on synthetic diagrams with visual instruction tuning and report gains on visual question answering."),
    ("LLM", "Fewer Tokens, Same Answers: Instruction Tuning Small Language Models with Curated Data",
     "Large language models learn to follow instructions from large, noisy corpora. We curate a compact "
     "instruction-tuning set and show that a 1B model matches 7B baselines on chat benchmarks."),
    ("Audio", "Whisper in the Wind: Robust Speech Recognition for Outdoor Microphones",
     "Automatic speech recognition degrades with wind noise. We augment audio with recorded gusts and "
     "cut the word error rate of a speech model by a third."),
    ("Quantum Computing", "Shallow Circuits for Variational Quantum Classifiers",
     "We design variational quantum circuits with few qubits and show that they train reliably on "
     "near-term quantum hardware."),
    ("Graph Neural Networks", "Rewiring Helps: Long-Range Message Passing in Graph Neural Networks",
     "Graph neural networks struggle with distant nodes. We add virtual edges and improve node "
     "classification on five graph benchmarks."),
    ("Reinforcement Learning", "Learning to Open Doors: Offline Reinforcement Learning for Mobile Robots",
     "A mobile robot learns a door-opening policy from logged trajectories without online exploration, "
     "using a conservative value function and a sparse reward."),
    ("Inference acceleration", "Four Bits Are Enough: Post-Training Quantization with Outlier Channels",
     "We quantize weights and activations to 4-bit integers, keep outlier channels in higher precision, "
     "and reach a 3x speedup in inference latency on a single GPU."),
    ("Open Domain Reasoning", "Think Twice: Test-Time Scaling with Self-Reflection for Math Word Problems",
     "We let a model write a chain of thought, critique it and retry. Spending more test-time compute "
     "raises mathematical reasoning accuracy on GSM8K and olympiad problems."),
    ("Machine Learning Ethics", "Who Gets the Loan? Auditing Fairness in Credit Scoring Models",
     "We audit credit models for bias against protected groups, compare fairness metrics and discuss "
     "what regulation asks of lenders."),
    ("Natural Language Processing", "Low-Resource Machine Translation for Alpine Dialects",
     "We collect a parallel corpus for three dialects and train neural machine translation systems "
     "that beat pivot translation through German."),
    ("Model training technique", "A Sign-Based Optimizer with Adaptive Learning Rate Warmup",
     "We propose an optimizer that replaces Adam's second moment with a sign rule, prove convergence "
     "and study the learning rate schedule during training."),
]


@pytest.mark.parametrize("expected, title, abstract", CLEAR, ids=[c[0] for c in CLEAR])
def test_clear_papers_land_in_their_category(clf, expected, title, abstract):
    c = clf.classify_one(paper(title, abstract))
    assert c.category == expected
    assert c.method == "keyword" and 0.5 < c.confidence <= 1.0


def test_multimodal_llm_paper_is_multimodal_not_llm(clf):
    p = paper("Seeing Is Answering: Training Multimodal LLMs to Read Scientific Figures",
              "Large vision-language models answer questions about natural images but fail on plots. We "
              "fine-tune a multimodal large language model on figure-caption pairs.")
    assert clf.classify_one(p).category == "Multimodal"
    scores = clf.scores(p)
    assert scores["Multimodal"] > 2 * scores["LLM"]  # the long phrase is not also an LLM hit


def test_unmatched_paper_goes_to_the_fallback_with_low_confidence(clf):
    c = clf.classify_one(paper("On the History of Bread Baking in Medieval Towns",
                               "We read guild records and describe how ovens were shared."))
    assert c.category == "Artificial Intelligence"
    assert c.confidence <= 0.3
    empty = clf.classify_one(paper("", ""))
    assert empty.category == "Artificial Intelligence" and empty.confidence <= 0.3


def test_an_application_paper_goes_to_the_fallback(clf):
    c = clf.classify_one(paper("Forecasting Hospital Admissions from Weather and EEG-free Vital Signs",
                               "We forecast daily admissions with a time series model using clinical "
                               "records and weather data from three hospitals."))
    assert c.category == "Artificial Intelligence"


def test_arxiv_category_is_a_prior_when_the_source_has_it(clf):
    vague = ("Toward Better Representations for Everyday Tasks",
             "We propose a simple method and show gains on three benchmarks.")
    assert clf.classify_one(paper(*vague)).category == "Artificial Intelligence"
    assert clf.classify_one(paper(*vague, categories=("cs.CV", "cs.AI"))).category == "Computer Vision"
    assert clf.classify_one(paper(*vague, categories=("cs.CR",))).category == "Security"
    # the primary class counts more than a cross-list
    primary = clf.scores(paper(*vague, categories=("cs.CV", "cs.CL")))
    assert primary["Computer Vision"] > primary["Natural Language Processing"]
    # text still beats a weak prior: an LLM paper cross-listed to cs.CV
    llm = paper("Instruction Tuning Large Language Models for Legal Questions",
                "We fine-tune large language models with instruction tuning and retrieval-augmented "
                "generation on statutes.", categories=("cs.CL", "cs.CV"))
    assert clf.classify_one(llm).category == "LLM"


def test_title_counts_more_than_abstract(clf):
    p = paper("Backdoor Triggers in Code Models",
              "Models trained on public code are used for code generation by large language models.")
    assert clf.classify_one(p).category == "Security"


def test_words_ignore_case_punctuation_and_plurals(clf):
    assert words("Vision-Language Models (VLMs)") == ["vision", "language", "models", "vlms"]
    a = clf.scores(paper("Jailbreaks", "vision-language models and VLMs"))
    b = clf.scores(paper("jailbreak", "Vision Language Model and vlm"))
    assert a == b
    quantized = clf.scores(paper("", "quantized weights and quantizing activations"))
    assert quantized["Inference acceleration"] > 0  # "quantiz*"


def test_confidence_orders_clear_above_vague(clf):
    clear = clf.classify_one(paper(*CLEAR[1][1:]))
    vague = clf.classify_one(paper("Attacks and Benchmarks", "A model for images and agents."))
    assert 0.0 <= vague.confidence < clear.confidence <= 1.0
    # two categories neck and neck: less sure than a one-sided paper
    mixed = clf.classify_one(paper("Speech Recognition and Object Detection",
                                   "We study speech recognition and object detection."))
    one_sided = clf.classify_one(paper("Speech Recognition for Meetings",
                                       "We study speech recognition in meetings."))
    assert mixed.confidence < one_sided.confidence


def test_every_paper_gets_exactly_one_label(clf):
    papers = [paper(t, a, pid=f"2411.{i:05d}") for i, (_, t, a) in enumerate(CLEAR)]
    papers.append(paper("Nothing to see", "", pid="2411.99999"))
    out = clf.classify(papers)
    assert list(out) == [p.arxiv_id for p in papers]
    names = set(load_taxonomy().names)
    for p in papers:
        c = out[p.arxiv_id]
        assert isinstance(c, Classification) and c.arxiv_id == p.arxiv_id and c.category in names
    assert clf.classify([]) == {}
    assert clf.name == "keyword"


def test_a_teams_own_taxonomy_drives_the_classifier(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text('[[category]]\nname = "Efficiency"\nemoji = "⚡"\nkeywords = ["kv cache", "quantization"]\n'
                    '[[category]]\nname = "Safety"\nkeywords = ["red teaming", "jailbreak"]\n'
                    '[[category]]\nname = "Everything else"\nfallback = true\n', encoding="utf-8")
    clf = KeywordClassifier(load_taxonomy(path))
    assert clf.classify_one(paper("Compressing the KV Cache", "")).category == "Efficiency"
    assert clf.classify_one(paper("Red Teaming Chatbots", "a jailbreak study")).category == "Safety"
    assert clf.classify_one(paper("Bread", "ovens")).category == "Everything else"


def test_negative_weights_and_settings_from_the_file():
    tax = parse_taxonomy('[classifier]\nmin_score = 0.5\ntitle_weight = 1\n'
                         '[[category]]\nname = "Vision"\nkeywords = ["image", "medical^-2"]\n'
                         '[[category]]\nname = "Health"\nkeywords = ["medical"]\n'
                         '[[category]]\nname = "Other"\nfallback = true\n')
    clf = KeywordClassifier(tax)
    assert clf.classify_one(paper("", "image")).category == "Vision"  # 1 >= min_score 0.5
    assert clf.classify_one(paper("", "medical image")).category == "Health"
    assert clf.scores(paper("", "medical image"))["Vision"] == 0.0  # never below zero


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=120), abstract=st.text(max_size=600),
       cats=st.lists(st.sampled_from(["cs.CV", "cs.CL", "cs.CR", "quant-ph", "math.CO", "eess.AS"]), max_size=3))
def test_any_text_gets_a_valid_label(clf, title, abstract, cats):
    c = clf.classify_one(paper(title, abstract, tuple(cats)))
    assert c.category in clf.taxonomy.names
    assert 0.0 <= c.confidence <= 1.0


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_classifier", ROOT / "bench" / "eval_classifier.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_accuracy_on_hand_labelled_real_papers():
    ev = _eval_module()
    if not ev.data_dir().is_dir():
        pytest.skip(f"no shared data at {ev.data_dir()}")
    result = ev.run()
    if result is None:
        pytest.skip("none of the gold papers found in the shared data")
    assert result["all"]["n"] >= 250
    for split in ("heldout", "fresh", "all"):
        figures = result[split]
        assert figures["acceptable"] >= 0.85, (split, figures)
        assert figures["nocat_acceptable"] >= 0.85, (split, figures)  # Hugging Face papers have no classes
        assert figures["acceptable"] > figures["naive_acceptable"] + 0.05, (split, figures)
