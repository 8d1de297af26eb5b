"""Paper -> category by an LLM, in batches, JSON-validated, with the offline classifier behind it.

Papers go out in batches of DIGEST_LLM_BATCH_SIZE (title + the start of the abstract, as quoted
JSON data, with short ids ``p1..pN``), all batches concurrently (DIGEST_LLM_CONCURRENCY). The
reply must be a JSON object ``{"p1": "Category", ...}``; code fences, text around the object,
``{"p1": {"category": ..., "confidence": ...}}`` and ``[{"id": "p1", "category": ...}]`` are
accepted too, and only names or aliases of the taxonomy count. No response_format support is
needed: the prompt asks for JSON and the parser finds it. Papers the reply leaves out, labels
outside the taxonomy, and whole batches that fail go to the fallback (keyword) classifier.

Results are cached per batch and per paper, so a rebuild asks nothing, and a day that gains a
few papers only sends the new ones.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from digest import prompts
from digest.llm import LLM, LLMError, cache_key_for
from digest.llm_summarize import UnusableReply, clean_reply
from digest.models import Classification, Paper
from digest.taxonomy import Taxonomy

log = logging.getLogger(__name__)

ABSTRACT_CHARS = 600       # the start of an abstract says enough to place a paper
DEFAULT_CONFIDENCE = 0.8   # an LLM label without a stated confidence
_ID = re.compile(r"^\s*p?\s*(\d+)\s*$", re.I)
_LIST_KEYS = ("labels", "papers", "results", "classifications", "categories", "items")


def extract_json(text: str) -> object:
    """The first JSON object or array in ``text`` (fences and surrounding prose tolerated)."""
    text = clean_reply(text)
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                return decoder.raw_decode(text, i)[0]
            except ValueError:
                continue
    raise UnusableReply("no JSON object in the reply", cause="malformed JSON")


def _pairs(obj: object):
    """(id, value) pairs from the shapes a model may answer with."""
    if isinstance(obj, dict):
        for key in _LIST_KEYS:
            if isinstance(obj.get(key), (list, dict)) and len(obj) == 1:
                yield from _pairs(obj[key])
                return
        yield from obj.items()
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict):
                pid = item.get("id", item.get("paper", item.get("paper_id")))
                if pid is not None:
                    yield pid, item


def parse_labels(text: str, count: int, taxonomy: Taxonomy) -> dict[int, tuple[str, float]]:
    """``{index (1-based): (category name, confidence)}`` for the valid labels of a reply."""
    out: dict[int, tuple[str, float]] = {}
    for pid, value in _pairs(extract_json(text)):
        m = _ID.match(str(pid))
        if not m or not 1 <= int(m.group(1)) <= count:
            continue
        confidence = DEFAULT_CONFIDENCE
        if isinstance(value, dict):
            raw_conf = value.get("confidence")
            value = value.get("category", value.get("label"))
            if isinstance(raw_conf, (int, float)) and 0 <= raw_conf <= 1:
                confidence = float(raw_conf)
        if not isinstance(value, str):
            continue
        cat = taxonomy.get(value)
        if cat is not None:
            out.setdefault(int(m.group(1)), (cat.name, round(confidence, 3)))
    return out


class LLMClassifier:
    """Classifier that asks the LLM in concurrent batches; the fallback labels the rest."""

    name = "llm"

    def __init__(self, llm: LLM, taxonomy: Taxonomy, fallback_classifier, *,
                 batch_size: int | None = None, concurrency: int | None = None):
        self.llm = llm
        self.taxonomy = taxonomy
        self.fallback = fallback_classifier
        self.batch_size = max(1, batch_size or llm.settings.digest_llm_batch_size)
        self.concurrency = max(1, concurrency or llm.settings.digest_llm_concurrency)
        self._fingerprint = cache_key_for(prompts.fingerprint("classify"),
                                          [(c.name, c.description) for c in taxonomy])
        self._local = threading.local()  # per thread: builds of different days run side by side

    @property
    def last_fallbacks(self) -> int:
        """Papers this thread's last classify() handed to the fallback classifier."""
        return getattr(self._local, "fallbacks", 0)

    @last_fallbacks.setter
    def last_fallbacks(self, value: int) -> None:
        self._local.fallbacks = value

    def classify(self, papers: list[Paper]) -> dict[str, Classification]:
        """A label for every paper given: the LLM's where it gave a valid one, else the fallback's."""
        papers = list({p.arxiv_id: p for p in papers}.values())
        if not papers:
            return {}
        if not self.llm.enabled:
            self.last_fallbacks = len(papers)
            return self.fallback.classify(papers)
        labels: dict[str, Classification] = {}
        pending = []
        for p in papers:
            hit = self.llm.cached(self._paper_key(p))
            if hit is None:
                pending.append(p)
            elif (cached := json.loads(hit))["category"] is None:
                continue  # the LLM answered before without a valid label: the fallback labels it
            else:
                labels[p.arxiv_id] = Classification(p.arxiv_id, cached["category"],
                                                    cached["confidence"], self.name)
        pending.sort(key=lambda p: p.arxiv_id)
        batches = [pending[i:i + self.batch_size] for i in range(0, len(pending), self.batch_size)]
        if batches:
            workers = min(self.concurrency, len(batches))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm-classify") as pool:
                for batch_labels in pool.map(self._classify_batch, batches):
                    labels.update(batch_labels)
        rest = [p for p in papers if p.arxiv_id not in labels]
        self.last_fallbacks = len(rest)
        if rest:
            log.info("LLM classifier: %d of %d papers labelled by the %s classifier instead",
                     len(rest), len(papers), getattr(self.fallback, "name", "fallback"))
            labels.update(self.fallback.classify(rest))
        return labels

    def messages(self, batch: list[Paper]) -> list[dict]:
        cats = self.taxonomy.categories
        data = prompts.quote_data([
            {"id": f"p{i}", "title": " ".join(p.title.split()),
             "abstract": prompts.clip(p.abstract, ABSTRACT_CHARS)}
            for i, p in enumerate(batch, 1)])
        return prompts.render(
            "classify", papers=data, count=len(batch), fallback=self.taxonomy.fallback.name,
            categories="\n".join(f"- {c.name}: {c.description or c.name}" for c in cats),
            example1=cats[0].name, example2=cats[min(1, len(cats) - 1)].name)

    def _classify_batch(self, batch: list[Paper]) -> dict[str, Classification]:
        messages = self.messages(batch)

        def validate(reply: str) -> None:
            if not parse_labels(reply, len(batch), self.taxonomy):
                raise UnusableReply("no valid category label in the reply", cause="malformed JSON")

        try:
            reply = self.llm.complete(
                kind="classify", messages=messages, max_tokens=16 * len(batch) + 64,
                cache_key=cache_key_for("classify", self._fingerprint, messages),
                json_mode=True, validate=validate)
        except LLMError as err:
            log.info("LLM classifier: batch of %d papers -> %s classifier (LLM %s)", len(batch),
                     getattr(self.fallback, "name", "fallback"), err.cause)
            return {}
        found = parse_labels(reply, len(batch), self.taxonomy)
        out, remembered = {}, []
        for i, p in enumerate(batch, 1):
            category, confidence = found.get(i, (None, 0.0))
            remembered.append((self._paper_key(p),
                               json.dumps({"category": category, "confidence": confidence})))
            if category is not None:
                out[p.arxiv_id] = Classification(p.arxiv_id, category, confidence, self.name)
        self.llm.remember_many(remembered, "classify")  # per paper: a grown day only sends the new
        return out

    def _paper_key(self, p: Paper) -> str:
        return cache_key_for("classify-paper", self._fingerprint, p.arxiv_id, p.title,
                             prompts.clip(p.abstract, ABSTRACT_CHARS))
