"""Paper -> category: the keyword classifier first, the LLM only for the papers it is unsure of.

Why this shape: on a big day (1,500+ papers) asking the LLM about every paper spent the day's
token budget before a single category synthesis was written, and the syntheses are what people
read first. So:

1. every paper gets its offline (keyword) label first — nothing is ever lost;
2. papers whose offline confidence is below :data:`UNSURE_BELOW` are the ones an LLM label can
   change; only they are sent, least sure first, as a title plus the first sentences of the
   abstract (sentences addressed to an AI reader removed);
3. before any classification call, enough of the day's budget is kept for the category
   syntheses (one call and one repair each) and a few questions (:meth:`LLMClassifier.reserve`);
   the unsure papers that do not fit in what is left keep their offline label, and
   ``last_stats["over_budget"]`` says how many.

Replies are read tolerantly (:func:`parse_labels`): JSON in fences or prose, an object or a
list (with ids, or in order), ``{"Category": ["p1", "p3"]}``, numeric ids, category names in
any case, in Korean, or as an alias of the taxonomy, and plain ``p1: Security`` lines. Unknown
ids and unknown categories are ignored; a paper the reply does not label keeps its offline label.

Results are cached per paper, so a rebuild asks nothing, and a day that gains a few papers only
sends the new ones.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from digest.summarize import llm as llm_summarize
from digest.llm import prompts
from digest.glossary import CATEGORY_NAMES_KO
from digest.llm.client import LLM, LLMError
from digest.llm.ledger import cache_key_for, estimate_tokens
from digest.summarize.replies import UnusableReply, clean_reply
from digest.models import Classification, Paper
from digest.classify.taxonomy import Category, Taxonomy, normalize
from digest.summarize.keyphrases import split_sentences
from digest.untrusted import strip_injections

log = logging.getLogger(__name__)

PROMPT = ("classify", "v2")
ABSTRACT_CHARS = 300       # title + the first sentences of the abstract place a paper
ABSTRACT_SENTENCES = 2
DEFAULT_CONFIDENCE = 0.8   # an LLM label without a stated confidence
UNSURE_BELOW = 0.75        # offline labels below this are ~70% right, above ~95% (bench/labels)
TOKENS_PER_LABEL = 16      # reply tokens per paper ({"p12": "Computer Vision"},)
# What the rest of the day needs, estimated the way digest.llm.client reserves a call (prompt + max_tokens)
SUMMARY_ABSTRACT_CHARS = 2000
SUMMARY_MAX_TOKENS = 2000  # when digest.summarize.llm does not say (its MAX_TOKENS)
REPAIR_EXTRA_TOKENS = 150  # the follow-up message that quotes the problem
QA_RESERVE_CALLS = 10      # questions in the digest's thread on the same day
QA_CALL_TOKENS = 3200      # 6 sources x 1,500 characters + the prompt + 700 reply tokens

_ID = re.compile(r"^\W*(?:p|paper|id|no)?[\s_#.\-]*(\d{1,4})\W*$", re.I)
_LIST_KEYS = ("labels", "papers", "results", "classifications", "categories", "items", "answer",
              "data", "output")
_LINE = re.compile(r"^[\s>*_`\-•]*(?:p|paper|id)?[\s_#\-]*(\d{1,4})[*_`\s]*(?:[:=.)\]|→>\-–—]+)\s*(.+)$",
                   re.I | re.M)
_PAREN = re.compile(r"\s*[(\[（].*?[)\]）]\s*")
_NON_WORD = re.compile(r"[\W_]+")


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


class _Names:
    """Category look-up that forgives case, spacing, punctuation, emoji, "(CV)" and Korean."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.loose: dict[str, Category] = {}
        for cat in taxonomy:
            for name in (cat.name, *cat.aliases):
                self.loose.setdefault(self._squash(name), cat)
        for ko, name in CATEGORY_NAMES_KO.items():
            cat = taxonomy.get(name)
            if cat is not None:
                self.loose.setdefault(self._squash(ko), cat)

    @staticmethod
    def _squash(text: str) -> str:
        return _NON_WORD.sub("", normalize(text))

    def find(self, value: object) -> Category | None:
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = next((value[k] for k in ("category", "label", "name", "topic") if k in value), None)
        if not isinstance(value, str) or len(value) > 200:
            return None
        text = value.strip().strip("\"'`*_ ").strip()
        for candidate in (text, _PAREN.sub(" ", text), *re.findall(r"[(\[（](.*?)[)\]）]", text),
                          re.split(r"\s+[-–—:]\s+|[,;/]\s*", text)[0], text.split(":")[-1]):
            candidate = candidate.strip()
            if not candidate:
                continue
            cat = self.taxonomy.get(candidate) or self.loose.get(self._squash(candidate))
            if cat is not None:
                return cat
        return None


def _index(pid: object, count: int, titles: dict[str, int]) -> int | None:
    if isinstance(pid, bool):
        return None
    if isinstance(pid, (int, float)) and float(pid).is_integer():
        n = int(pid)
    else:
        m = _ID.match(str(pid))
        if not m:
            return titles.get(" ".join(normalize(str(pid)).split()))
        n = int(m.group(1))
    return n if 1 <= n <= count else None


def _pairs(obj: object, names: _Names, depth: int = 0):
    """(id or position, value) pairs from the shapes a model may answer with."""
    if depth > 3:
        return
    if isinstance(obj, dict) and any(k in obj for k in ("category", "label")):
        yield from _pairs([obj], names, depth + 1)  # one paper as one object
        return
    if isinstance(obj, dict):
        for key in _LIST_KEYS:
            if isinstance(obj.get(key), (list, dict)) and len(obj) <= 2:
                yield from _pairs(obj[key], names, depth + 1)
                return
        for key, value in obj.items():
            cat = names.find(key) if isinstance(value, list) else None
            if cat is not None and all(isinstance(v, (str, int)) for v in value):
                for pid in value:  # {"Security": ["p1", "p3"]}: category -> ids
                    yield pid, cat.name
            else:
                yield key, value
    elif isinstance(obj, list):
        for pos, item in enumerate(obj, 1):
            if isinstance(item, dict):
                pid = next((item[k] for k in ("id", "paper", "paper_id", "pid", "n", "number")
                            if k in item), None)
                if pid is None and "title" in item:
                    pid = item["title"]
                yield (pos if pid is None else pid), item
            elif isinstance(item, str):
                yield pos, item  # a bare list, in the order of the papers
            elif isinstance(item, list) and len(item) == 2:
                yield item[0], item[1]


def parse_labels(text: str, count: int, taxonomy: Taxonomy,
                 titles: list[str] | None = None) -> dict[int, tuple[str, float]]:
    """``{index (1-based): (category name, confidence)}`` for the valid labels of a reply.

    Anything that cannot be read as a label of a paper ``1..count`` with a category of
    ``taxonomy`` is ignored; a reply with no JSON at all is read line by line.
    """
    names = _Names(taxonomy)
    by_title = {" ".join(normalize(t).split()): i for i, t in enumerate(titles or (), 1)}
    try:
        pairs = list(_pairs(extract_json(text), names))
    except UnusableReply:
        pairs = [(m.group(1), m.group(2)) for m in _LINE.finditer(clean_reply(text))]
    out: dict[int, tuple[str, float]] = {}
    for pid, value in pairs:
        i = _index(pid, count, by_title)
        if i is None or i in out:
            continue
        confidence = DEFAULT_CONFIDENCE
        if isinstance(value, dict):
            raw = value.get("confidence")
            if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0 <= raw <= 1:
                confidence = float(raw)
        cat = names.find(value)
        if cat is not None:
            out[i] = (cat.name, round(confidence, 3))
    return out


def snippet(paper: Paper) -> str:
    """The title's companion in a prompt: the first sentences of the abstract, injections out."""
    return _snippet(paper.abstract or "", ABSTRACT_SENTENCES, ABSTRACT_CHARS)


@lru_cache(maxsize=8192)  # a paper's snippet is needed for its cache key, its batch and its cost
def _snippet(abstract: str, sentences: int, chars: int) -> str:
    abstract = strip_injections(abstract, mark=False)
    first = split_sentences(abstract)[:sentences]
    return prompts.clip(" ".join(first) or abstract, chars)


class LLMClassifier:
    """Keyword labels for every paper; the LLM's where the keywords are unsure and budget allows."""

    name = "llm"

    def __init__(self, llm: LLM, taxonomy: Taxonomy, fallback_classifier, *,
                 batch_size: int | None = None, concurrency: int | None = None,
                 unsure_below: float = UNSURE_BELOW):
        self.llm = llm
        self.taxonomy = taxonomy
        self.fallback = fallback_classifier
        self.batch_size = max(1, batch_size or llm.settings.digest_llm_batch_size)
        self.concurrency = max(1, concurrency or llm.settings.digest_llm_concurrency)
        self.unsure_below = unsure_below
        self._fingerprint = cache_key_for(prompts.fingerprint(*PROMPT),
                                          [(c.name, c.description) for c in taxonomy])
        self._local = threading.local()  # per thread: builds of different days run side by side

    # --- what the last classify() did (per thread) --------------------------------------------
    @property
    def last_stats(self) -> dict[str, int]:
        """papers, sure (offline label kept), asked (sent or cached), llm (LLM labels),
        failed (LLM gave no label), over_budget (unsure, not sent: no budget left), reserve."""
        return getattr(self._local, "stats", {})

    @property
    def last_fallbacks(self) -> int:
        """Unsure papers the LLM did not label (failed or over budget): their label is offline."""
        s = self.last_stats
        return s.get("failed", 0) + s.get("over_budget", 0)

    # --- budget --------------------------------------------------------------------------------
    def reserve(self, categories: int) -> int:
        """Tokens to keep for ``categories`` syntheses (one call and one repair each) and a few
        questions, estimated as digest.llm.client reserves a call: prompt + the reply's max_tokens."""
        try:
            template = estimate_tokens("".join(prompts.load("summarize")))
        except (OSError, ValueError):  # a renamed template: its size today, about
            template = 700
        k = int(getattr(self.llm.settings, "digest_papers_per_category", 3))
        reply = int(getattr(llm_summarize, "MAX_TOKENS", SUMMARY_MAX_TOKENS))  # follows the summarizer
        prompt = template + 80 + k * (SUMMARY_ABSTRACT_CHARS // 4 + 60)
        call = prompt + reply
        repair = call + reply + REPAIR_EXTRA_TOKENS  # the follow-up quotes the failed reply
        return categories * (call + repair) + QA_RESERVE_CALLS * QA_CALL_TOKENS

    def _batch_cost(self, batch: list[Paper]) -> int:
        messages = self.messages(batch)
        return sum(estimate_tokens(m["content"]) + 4 for m in messages) + self._max_tokens(batch)

    @staticmethod
    def _max_tokens(batch: list[Paper]) -> int:
        return TOKENS_PER_LABEL * len(batch) + 64

    # --- classify ------------------------------------------------------------------------------
    def classify(self, papers: list[Paper]) -> dict[str, Classification]:
        """A label for every paper given: the LLM's where it gave a valid one, else the offline one."""
        papers = list({p.arxiv_id: p for p in papers}.values())
        stats = {"papers": len(papers), "sure": 0, "asked": 0, "llm": 0, "failed": 0,
                 "over_budget": 0, "reserve": 0}
        self._local.stats = stats
        if not papers:
            return {}
        labels = dict(self.fallback.classify(papers))
        missing = [p for p in papers if p.arxiv_id not in labels]
        if missing and hasattr(self.fallback, "classify_one"):
            labels.update({p.arxiv_id: self.fallback.classify_one(p) for p in missing})
        if not self.llm.enabled:
            stats["failed"] = len(papers)
            return labels
        unsure = sorted((p for p in papers if labels[p.arxiv_id].confidence < self.unsure_below),
                        key=lambda p: (labels[p.arxiv_id].confidence, p.arxiv_id))
        stats["sure"] = len(papers) - len(unsure)
        pending = []
        for p in unsure:
            hit = self.llm.cached(self._paper_key(p))
            if hit is None:
                pending.append(p)
                continue
            stats["asked"] += 1
            cached = json.loads(hit)
            if cached["category"] is None:
                stats["failed"] += 1  # the LLM answered before without a valid label
            else:
                labels[p.arxiv_id] = Classification(p.arxiv_id, cached["category"],
                                                    cached["confidence"], self.name)
                stats["llm"] += 1
        batches, over = self._affordable(pending, labels, stats)
        stats["over_budget"] = len(over)
        if batches:
            workers = min(self.concurrency, len(batches))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm-classify") as pool:
                for batch, found in zip(batches, pool.map(self._classify_batch, batches)):
                    stats["asked"] += len(batch)
                    stats["llm"] += len(found)
                    stats["failed"] += len(batch) - len(found)
                    labels.update(found)
        if over:
            log.warning("LLM classifier: %d of %d papers classified offline: over the LLM budget "
                        "left after keeping %s tokens for the summaries", len(over), len(papers),
                        f"{stats['reserve']:,}")
        if stats["failed"]:
            log.info("LLM classifier: %d of %d papers labelled by the %s classifier instead",
                     stats["failed"], len(papers), getattr(self.fallback, "name", "fallback"))
        return labels

    def _affordable(self, pending: list[Paper], labels: dict[str, Classification],
                    stats: dict) -> tuple[list[list[Paper]], list[Paper]]:
        """Batches of the least sure papers that fit the budget left after the reserve; the rest."""
        if not pending:
            return [], []
        categories = len({c.category for c in labels.values()}) + len(pending)
        stats["reserve"] = reserve = self.reserve(min(len(self.taxonomy), categories))
        allowance = self.llm.budget_left() - reserve
        batches: list[list[Paper]] = []
        rest = list(pending)  # least sure first
        while rest and allowance > 0:
            batch = rest[:self.batch_size]
            cost = self._batch_cost(batch)
            if cost > allowance:  # a smaller last batch may still fit
                per_paper = max(1, cost // len(batch))
                batch = batch[:max(0, allowance // per_paper - 1)]
                while batch and self._batch_cost(batch) > allowance:
                    batch = batch[:-1]
                if not batch:
                    break
                cost = self._batch_cost(batch)
            batches.append(sorted(batch, key=lambda p: p.arxiv_id))
            allowance -= cost
            rest = rest[len(batch):]
        return batches, rest

    def messages(self, batch: list[Paper]) -> list[dict]:
        cats = self.taxonomy.categories
        data = prompts.quote_data([
            {"id": f"p{i}", "title": " ".join(p.title.split()), "abstract": snippet(p)}
            for i, p in enumerate(batch, 1)])
        return prompts.render(
            *PROMPT, papers=data, count=len(batch), fallback=self.taxonomy.fallback.name,
            categories="\n".join(f"- {c.name}: {c.description or c.name}" for c in cats),
            example1=cats[0].name, example2=cats[min(1, len(cats) - 1)].name)

    def _classify_batch(self, batch: list[Paper]) -> dict[str, Classification]:
        messages = self.messages(batch)
        titles = [p.title for p in batch]

        def validate(reply: str) -> None:
            if not parse_labels(reply, len(batch), self.taxonomy, titles):
                raise UnusableReply("no valid category label in the reply", cause="malformed JSON")

        try:
            reply = self.llm.complete(
                kind="classify", messages=messages, max_tokens=self._max_tokens(batch),
                cache_key=cache_key_for("classify", self._fingerprint, messages),
                json_mode=True, validate=validate)
        except LLMError as err:
            log.info("LLM classifier: batch of %d papers -> %s classifier (LLM %s)", len(batch),
                     getattr(self.fallback, "name", "fallback"), err.cause)
            return {}
        found = parse_labels(reply, len(batch), self.taxonomy, titles)
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
        return cache_key_for("classify-paper", self._fingerprint, p.arxiv_id, p.title, snippet(p))
