"""Follow-up questions about a digest: SQLite FTS5 retrieval, an LLM answer with numbered
citations, and an honest search-result answer when no LLM is available.

``QAService(store, taxonomy, settings, llm).answer(question, day=, history=, user=, language=)``

1. **Guardrails** first, none of which costs an LLM call: an empty question gets a usage hint;
   a very long one is cut (and says so); a per-user rate limit (DIGEST_QA_PER_USER_PER_HOUR,
   0 = none) counts ``qa_requests`` over the last hour; a question that tries to change the
   bot's instructions is declined; an off-topic one is pointed back at the papers; a question
   about a paper that is not in the digest says so and offers the archive.
2. **Retrieval** ranks the papers of that day's digest (``day_papers``) with BM25 over title
   (weighted) and abstract, fused with BM25 over the day's category summaries; it reads only
   that day's part of the FTS5 index, never the whole archive (see ``_match_day``). "earlier",
   "last week", "이전 ..." widen it to every stored paper, and the answer says so. Korean words
   are mapped to English query terms through a small glossary and the taxonomy's aliases;
   Latin-script names in a Korean question ("Hymba", "SSM") are kept as they are.
3. **Answer**: the LLM (kind ``qa``) sees only the retrieved papers as numbered, quoted data and
   answers in the question's language, citing ``[n]``; invented citations are stripped and the
   cited papers listed with links. Without a key, or when the call fails or the day's token
   budget is spent, the answer is the search result itself — the best-matching papers with
   the sentences that matched — stated as such.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from digest.llm import prompts
from digest.i18n import language_name
from digest.models import Answer, Paper
from digest.store import Store
from digest.summarize.keyphrases import split_sentences
from digest.untrusted import INJECTION, is_injection, strip_injections  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

PROMPT = ("qa", "v2")
MAX_QUESTION_CHARS = 1000
SHOWN = 3  # papers shown in a search-result answer
LLM_SOURCES = 6  # papers given to the LLM
FALLBACK_SOURCES = 8  # papers given when nothing matched (general or untranslatable questions)
ABSTRACT_CHARS = 1500
THREAD_TURNS = 6
THREAD_CHARS = 600
HOUR = 3600.0
TITLE_WEIGHT, ABSTRACT_WEIGHT = 2.0, 1.0
SUMMARY_SHARE = 0.25  # weight of a category-summary match next to a paper's own match
RRF_K = 3.0
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's bm25 constants
MAX_UNITS = 12  # search units kept from one question (day-scoped)
ARCHIVE_UNITS = 12  # over the archive (fewer lost hit@3 in bench/eval_qa.py)
MIN_RUN, MAX_RANGES = 8, 16  # rowid runs of a day's papers searched through the index, ...
MAX_SCATTERED = 200  # ... the papers stored apart are matched in Python, up to this many
ARCHIVE_WINDOW = 1000  # an archive-wide search ranks the newest papers matching any word (see
ARCHIVE_PER_UNIT = 25  # _match_archive) and the newest matching each rare word (in at most
RARE_SHARE = 0.01  # RARE_SHARE of papers), with word frequencies counted over the newest
ARCHIVE_SAMPLE = 50_000  # ARCHIVE_SAMPLE papers
SMALL_DAY = 200  # below this many papers, a day's word statistics come from the newest stored papers
CLOSER_WINDOW, CLOSER_PER_UNIT = 200, 10  # the same, smaller, for the "closer elsewhere" pointer

# --------------------------------------------------------------------------- messages

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "empty": "Ask me about the papers of the digest, e.g. “Which of these papers would help "
                 "with long-context inference?”",
        "truncated": "_(Your question was long: I read its first {n} characters.)_",
        "rate_limited": "You have asked {count} questions in the last hour (the limit is {limit}). "
                        "Please ask again in about {minutes} min.",
        "injection": "I only answer questions about the papers in the digest, and my instructions "
                     "can't be changed from the chat. Ask about a paper or a topic instead, "
                     "e.g. “{example}”",
        "no_digest": "There is no digest yet, so I have no papers to answer from. "
                     "Build one first (`digest build`).",
        "no_day": "There is no digest for {day}, so I have no papers to answer from.",
        "off_topic": "I answer questions about the papers of the {day} digest, and I can't connect "
                     "this question to them. Try e.g. “{example}”, or /digest help.",
        "example": "What does ‘{title}’ propose?",
        "not_in_digest": "I don't see {names} among the {n} papers of the {day} digest.",
        "archive_found": "It appears in other digests:",
        "no_match_day": "No paper of the {day} digest matches your question.",
        "archive_matches": "Papers from other digests that do:",
        "closer_elsewhere": "Another digest has a closer match: ‘{title}’ (digest {day}) — {link}. "
                            "Ask with “earlier” to search every stored digest.",
        "archive_none": "Nothing in the archive ({total} stored papers) mentions it either.",
        "archive_offer": "Ask again with “earlier” (e.g. “In earlier digests, …”) to search all "
                         "{total} stored papers.",
        "archive_scope": "_(Searched all {total} stored papers, not only the {day} digest.)_",
        "search_head": "Search result, not an AI answer ({reason}). The papers of the {day} digest "
                       "that best match your question:",
        "search_head_archive": "Search result, not an AI answer ({reason}). The stored papers "
                               "that best match your question:",
        "fallback_head": "Search result, not an AI answer ({reason}). No paper of the {day} digest "
                         "matched the words of your question; these are its most popular papers:",
        "nothing_found": "No stored paper matches the words of your question.",
        "no_key": "no OPENAI_API_KEY is set",
        "llm_failed": "the AI answer is unavailable: {cause}",
        "sources": "Sources:",
        "in_digest": "digest {day}",
    },
    "ko": {
        "empty": "다이제스트의 논문에 대해 질문해 주세요. 예: “이 논문들 중 긴 문맥 추론에 도움이 되는 것은?”",
        "truncated": "_(질문이 길어 앞의 {n}자만 읽었습니다.)_",
        "rate_limited": "최근 1시간 동안 질문을 {count}번 하셨습니다 (한도 {limit}번). "
                        "약 {minutes}분 후에 다시 질문해 주세요.",
        "injection": "저는 다이제스트에 실린 논문에 관한 질문에만 답하며, 대화로 제 지침을 바꿀 수 없습니다. "
                     "논문이나 주제에 대해 질문해 주세요. 예: “{example}”",
        "no_digest": "아직 다이제스트가 없어 답할 논문이 없습니다. 먼저 다이제스트를 만들어 주세요 (`digest build`).",
        "no_day": "{day} 다이제스트가 없어 답할 논문이 없습니다.",
        "off_topic": "저는 {day} 다이제스트의 논문에 관한 질문에 답합니다. 이 질문은 그 논문들과 관련이 "
                     "없어 보입니다. 예: “{example}” 또는 /digest help",
        "example": "‘{title}’ 논문은 무엇을 제안하나요?",
        "not_in_digest": "{day} 다이제스트의 논문 {n}편 중에는 {names}이(가) 없습니다.",
        "archive_found": "다른 다이제스트에 있습니다:",
        "no_match_day": "{day} 다이제스트에는 질문과 맞는 논문이 없습니다.",
        "archive_matches": "다른 다이제스트에서 찾은 논문:",
        "closer_elsewhere": "다른 다이제스트에 더 가까운 논문이 있습니다: ‘{title}’ ({day} 다이제스트) — {link}. "
                            "“이전 다이제스트에서 …”처럼 물어보시면 전체에서 찾아 드립니다.",
        "archive_none": "저장된 논문 {total}편 중에도 언급한 논문이 없습니다.",
        "archive_offer": "“이전 다이제스트에서 …”처럼 물어보시면 저장된 논문 {total}편 전체에서 찾아 드립니다.",
        "archive_scope": "_({day} 다이제스트만이 아니라 저장된 논문 {total}편 전체에서 찾았습니다.)_",
        "search_head": "AI 답변이 아닌 검색 결과입니다 ({reason}). {day} 다이제스트에서 질문과 가장 잘 맞는 논문:",
        "search_head_archive": "AI 답변이 아닌 검색 결과입니다 ({reason}). 저장된 논문 중 질문과 가장 잘 맞는 논문:",
        "fallback_head": "AI 답변이 아닌 검색 결과입니다 ({reason}). 질문의 단어와 맞는 논문이 {day} "
                         "다이제스트에 없어, 가장 인기 있는 논문을 보여 드립니다:",
        "nothing_found": "질문의 단어와 맞는 저장된 논문이 없습니다.",
        "no_key": "OPENAI_API_KEY가 설정되지 않음",
        "llm_failed": "AI 답변을 쓸 수 없음: {cause}",
        "sources": "출처:",
        "in_digest": "{day} 다이제스트",
    },
}


def message(language: str, key: str, **fields: object) -> str:
    table = MESSAGES.get(language, MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**fields)


# --------------------------------------------------------------------------- language

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LATIN_STOPS = {
    "en": {"the", "what", "which", "how", "is", "are", "does", "do", "of", "and", "about", "paper",
           "papers", "why", "can", "there", "any", "with", "for", "who", "these"},
    "fr": {"le", "la", "les", "des", "est", "quel", "quels", "quelle", "quelles", "comment",
           "pourquoi", "article", "articles", "une", "avec", "pour", "sur", "ces", "dans"},
    "de": {"der", "die", "das", "ist", "welche", "welches", "welcher", "wie", "warum", "und",
           "mit", "für", "über", "diese", "gibt", "es", "ein", "eine"},
    "es": {"el", "los", "las", "qué", "que", "cuál", "cuáles", "cómo", "por", "artículo",
           "artículos", "con", "para", "sobre", "estos", "hay", "una", "del"},
}


def detect_language(text: str, default: str = "en") -> str:
    """The question's language: by script (Hangul -> ko, kana -> ja, Han -> zh, Cyrillic -> ru),
    else by common words for en/fr/de/es; a few Latin words with no clue -> ``default``."""
    if _HANGUL.search(text):
        return "ko"
    if _KANA.search(text):
        return "ja"
    if _HAN.search(text):
        return "zh"
    if _CYRILLIC.search(text):
        return "ru"
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not _LATIN_LETTER.search(text) or not words:
        return default
    scores = {lang: sum(w in stops for w in words) for lang, stops in _LATIN_STOPS.items()}
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    if scores[best] >= 2 or (scores[best] == 1 and len(words) >= 3):
        return best
    return default if len(words) < 3 else "en"


# --------------------------------------------------------------------------- guardrail patterns

_INJECTION = INJECTION  # one pattern for questions, abstracts and offline quotes

_ARCHIVE = re.compile(
    r"\b(?:earlier|previous|past|older|prior)\s+(?:digests?|days?|papers?|issues?|weeks?|reports?)\b"
    r"|\bother\s+(?:digests|days)\b"
    r"|\bearlier\b|\blast\s+(?:week|month|few\s+days|days)\b|\barchive[sd]?\b"
    r"|\ball\s+(?:digests|stored\s+papers)\b"
    r"|\bany\s+digest\b|이전\s*(?:다이제스트|논문|날|호|에|의)|지난\s*(?:주|달|번|다이제스트|논문)|지난주|지난달"
    r"|예전|과거\s*(?:논문|다이제스트)|아카이브|전체\s*(?:다이제스트|논문)",
    re.IGNORECASE)

_GENERAL = re.compile(
    r"\b(?:these|today'?s|the|this|all)\s+(?:papers|digest|list|report)\b|\bsummar(?:y|ize|ise)\b"
    r"|\boverview\b|\bmost\s+(?:popular|interesting|important|upvoted|promising|influential|novel)\b"
    r"|\b(?:which|what)\s+(?:one|paper)\s+should\s+i\s+read\b|\bin\s+(?:this|today'?s)\s+digest\b"
    r"|이\s*논문들|오늘(?:의)?\s*논문|다이제스트|요약|가장\s*(?:인기|흥미|중요|주목|유망)|어떤\s*논문(?:을|부터)?\s*읽",
    re.IGNORECASE)

_FOLLOWUP = re.compile(
    r"\b(?:it|its|they|them|their|this\s+one|that\s+one|that\s+paper|this\s+paper|the\s+paper"
    r"|the\s+(?:first|second|third|last|latter|former)(?:\s+one)?|these\s+two|both)\b"
    r"|그\s*논문|이\s*논문(?!들)|그것|이것|첫\s*번째|두\s*번째|세\s*번째|둘\s*다",
    re.IGNORECASE)

_REFERS_TO_PAPER = re.compile(r"\bpapers?\b|\barxiv\b|\bpreprint\b|\bwork\b|논문|연구", re.IGNORECASE)
_ARXIV_ID = re.compile(r"\b(\d{4}\.\d{4,5})(?:v\d+)?\b")
_LINK_ID = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
_QUOTED = re.compile(r"[\"“«]([^\"“”«»]{6,120})[\"”»]|‘([^’]{6,120})’|(?<!\w)'([^']{6,120})'(?!\w)")
_LATIN_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+")
_NAME_TOKEN = re.compile(r"[0-9A-Za-z\u00c0-\u024f][0-9A-Za-z\u00c0-\u024f.+\-]*[0-9A-Za-z\u00c0-\u024f+]"
                         r"|[A-Za-z]")
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")
_CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:[,;–-]|and)\s*\d{1,3})*)\s*\]")
_KO_PARTICLES = ("에서는", "으로는", "에서", "으로", "에게", "와의", "과의", "와", "과", "의", "은", "는",
                 "이", "가", "을", "를", "에", "로", "도", "만", "란", "이란", "인가요", "인가", "은요",
                 "는요", "나요", "가요", "요")

STOPWORDS = frozenset("""
a an the and or but if then of for to in on at by with from into over under about as is are was
were be been being this that these those it its we our us they their them he she his her you your
i me my can could may might will would shall should must do does did done not no so such than too
very also both each few more most other some any all only own same just which who whom whose what
when where why how there here via per use used using new way ways get gets make makes made give
gives one ones paper papers digest digests today todays yesterday article articles please tell
explain know anything something show find help helps helped would like want wants need needs
difference differences compare compared comparison versus vs between among work works does did
earlier previous past older prior last week weeks month months archive day days ago ever
thanks thank hi hello hey let lets say says said think mean means
""".split())

# Words that make a question about research even when nothing matched it.
RESEARCH_WORDS = frozenset("""
paper papers model models method methods approach dataset datasets data benchmark benchmarks
training train trained learning learn neural network networks ai llm llms research result results
experiment experiments architecture algorithm algorithms inference study studies author authors
arxiv digest performance evaluation accuracy task tasks transformer transformers attention
generation generative diffusion reasoning agent agents robot robots vision language speech audio
image images video videos text token tokens embedding embeddings fine finetuning tuning
""".split())
RESEARCH_WORDS_KO = ("논문", "모델", "연구", "방법", "데이터", "학습", "성능", "실험", "결과", "기법",
                     "알고리즘", "인공지능", "저자", "다이제스트", "벤치마크", "아키텍처", "구조", "추론")

# A glossary of Korean AI vocabulary -> English query terms (the abstracts are English).
KO_TERMS: dict[str, str] = {
    "긴 문맥": "long context", "긴문맥": "long context", "장문맥": "long context",
    "롱 컨텍스트": "long context", "긴 컨텍스트": "long context", "컨텍스트": "context", "문맥": "context",
    "추론": "inference reasoning", "추론 가속": "inference acceleration", "가속": "acceleration speedup",
    "강화학습": "reinforcement learning", "강화 학습": "reinforcement learning", "보상": "reward",
    "정책": "policy", "탈옥": "jailbreak", "공격": "attack", "방어": "defense defence",
    "적대적": "adversarial", "보안": "security", "안전": "safety", "개인정보": "privacy",
    "워터마크": "watermark", "깊이 추정": "depth estimation", "깊이": "depth", "확산": "diffusion",
    "디퓨전": "diffusion", "음성 인식": "speech recognition", "음성": "speech", "오디오": "audio",
    "음악": "music", "언어 모델": "language model", "언어모델": "language model",
    "대형 언어": "large language", "거대 언어": "large language", "소형": "small", "작은": "small",
    "경량": "lightweight small", "양자화": "quantization quantized", "비트": "bit",
    "멀티모달": "multimodal", "다중 모달": "multimodal", "이미지": "image", "영상": "video image",
    "비디오": "video", "동영상": "video", "사진": "photo image", "그림": "drawing image",
    "검색 증강": "retrieval augmented", "검색": "retrieval search", "요약": "summarization",
    "번역": "translation", "에이전트": "agent", "벤치마크": "benchmark", "데이터셋": "dataset",
    "데이터 세트": "dataset", "학습 데이터": "training data", "사전 학습": "pretraining pre-training",
    "사전학습": "pretraining", "미세 조정": "fine-tuning", "미세조정": "fine-tuning", "파인튜닝": "fine-tuning",
    "학습": "training learning", "훈련": "training", "수학": "math mathematical", "로봇": "robot robotic",
    "환각": "hallucination hallucinations", "효율": "efficient efficiency",
    "메모리": "memory", "어텐션": "attention", "주의 메커니즘": "attention", "트랜스포머": "transformer",
    "상태 공간": "state space ssm", "하이브리드": "hybrid", "아키텍처": "architecture", "구조": "architecture",
    "성능": "performance", "평가": "evaluation", "생성": "generation generative", "정렬": "alignment",
    "선호": "preference", "공정성": "fairness", "편향": "bias", "윤리": "ethics", "의료": "medical clinical",
    "의학": "medical", "건강": "health", "헬스": "health", "캐시": "cache", "디코딩": "decoding",
    "압축": "compression", "추천": "recommendation", "그래프": "graph", "시각": "visual", "비전": "vision",
    "3차원": "3d", "3d": "3d", "분할": "segmentation", "세그멘테이션": "segmentation", "탐지": "detection",
    "검출": "detection", "추적": "tracking", "자율주행": "autonomous driving", "자율 주행": "autonomous driving",
    "운전": "driving", "고해상도": "high-resolution", "해상도": "resolution", "리랭커": "reranker rerankers",
    "재순위": "reranking", "문서": "document documents", "토크나이저": "tokenizer", "토큰": "token tokens",
    "다국어": "multilingual", "저자원": "low-resource", "코드": "code", "프로그래밍": "programming code",
    "게임": "games game", "웹": "web", "계획": "planning", "사고 사슬": "chain-of-thought",
    "사고의 사슬": "chain-of-thought", "연쇄 사고": "chain-of-thought", "전문가 혼합": "mixture of experts",
    "옵티마이저": "optimizer", "최적화": "optimization optimizer", "증류": "distillation",
    "지식 증류": "knowledge distillation", "스케일링": "scaling", "확장": "scaling extending",
    "자연어": "natural language", "클릭": "click interactive", "상호작용": "interactive interaction",
    "스타일": "style", "편집": "editing", "애니메이션": "animation", "스케치": "sketch",
    "가우시안": "gaussian", "3d 생성": "3d generation", "텍스트": "text", "캡션": "caption captioning",
    "질의응답": "question answering", "질문 답변": "question answering", "과학": "scientific science",
    "인용": "citation citations", "위성": "satellite remote sensing", "구름": "cloud", "얼굴": "face facial",
    "나이": "age aging", "노화": "aging", "의상": "garment clothing",
    "모바일": "mobile", "스마트폰": "smartphone mobile phone", "온디바이스": "on-device",
    "임베딩": "embedding", "위치 인코딩": "positional encoding", "정밀도": "precision",
}

# --------------------------------------------------------------------------- small helpers


def clean_question(text: str) -> tuple[str, bool]:
    """NFKC, control characters -> spaces, whitespace collapsed; cut at MAX_QUESTION_CHARS."""
    text = unicodedata.normalize("NFKC", text or "")
    chars = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):
            chars.append(" ")
        elif cat not in ("Cf", "Cs", "Co", "Cn"):
            chars.append(ch)
    text = " ".join("".join(chars).split())
    if len(text) <= MAX_QUESTION_CHARS:
        return text, False
    cut = text[:MAX_QUESTION_CHARS]
    if " " in cut[-80:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + " …", True


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "s",
                   "al", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _LATIN_WORD.findall(text.lower()) if len(w) > 2}


def _matched(query: set[str], words: set[str]) -> set[str]:
    """The query stems found among ``words`` (a shared prefix of 5+ letters counts:
    structur/structure, predict/prediction)."""
    found = query & words
    for q in query - found:
        if len(q) >= 5 and any(w.startswith(q) or (len(w) >= 5 and q.startswith(w)) for w in words):
            found.add(q)
    return found


GENERIC_TERMS = frozenset({"model", "method", "approach", "paper", "data", "task", "result", "work",
                           "study", "propos", "large", "based", "improv"})


def _ko_stem(word: str) -> str:
    for particle in _KO_PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[: -len(particle)]
    return word


def _fts_phrase(words: list[str], prefix: bool = False) -> str:
    """One FTS5 string token: only letters and digits go in, so no operator can be formed."""
    body = " ".join(w.replace('"', "") for w in words if w)
    return f'"{body}"' + ("*" if prefix else "")


@dataclass(frozen=True)
class Terms:
    """What the question is about, in forms the FTS indexes understand."""

    words: tuple[str, ...]  # Latin-script content words (lower-case), incl. mapped Korean terms
    phrases: tuple[tuple[str, ...], ...]  # multi-word phrases (from the glossary or quotes)
    hangul: tuple[str, ...]  # Hangul stems, for Korean category summaries
    names: tuple[str, ...]  # distinctive names as typed ("Hymba", "GPT-4", an arXiv id, a quoted title)
    mapped: bool  # a Korean word was translated through the glossary or taxonomy
    research: bool  # the question uses research vocabulary

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.hangul)


@dataclass(frozen=True)
class Hit:
    paper: Paper
    score: float
    sentences: tuple[str, ...] = ()
    day: date | None = None  # the latest digest day the paper appeared in
    category: str | None = None
    coverage: float = 0.0  # share of the question's content words found in title + abstract


@dataclass
class Retrieval:
    hits: list[Hit] = field(default_factory=list)
    archive: bool = False
    fallback: bool = False  # nothing matched: the digest's top papers stand in
    terms: Terms | None = None


# --------------------------------------------------------------------------- day-scoped matching

_ALNUM = re.compile(r"[^\W_]")


class PorterStems:
    """Words -> their FTS5 ``porter unicode61`` tokens, from SQLite's own tokenizer (an
    in-memory FTS5 table and its vocabulary), so that matching a day's papers here agrees with
    what the archive's FTS5 index matches. Cached: a question has a few words, a day's papers
    a few thousand distinct ones."""

    def __init__(self):
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("create virtual table words using fts5(w, tokenize='porter unicode61')")
        self._conn.execute("create virtual table tokens using fts5vocab(words, instance)")
        self._lock = threading.Lock()
        self._cache: dict[str, str] = {}

    def stems(self, words) -> dict[str, str]:
        cache = self._cache
        missing = [w for w in dict.fromkeys(words) if w not in cache]
        if missing:
            with self._lock:
                if len(cache) > 200_000:
                    cache.clear()
                self._conn.execute("delete from words")
                self._conn.executemany("insert into words(rowid, w) values (?, ?)",
                                       list(enumerate(missing, 1)))
                found: dict[int, str] = {}
                for term, doc in self._conn.execute("select term, doc from tokens order by doc, offset"):
                    found.setdefault(doc, term)
                for i, w in enumerate(missing, 1):
                    cache[w] = found.get(i, w)
        return {w: cache.get(w, w) for w in words}


@dataclass(frozen=True)
class DayPapers:
    """One day's papers, ready for ``_match_day``: lower-cased texts, lengths in words, and the
    rowid ranges that hold most of them (the rest, stored apart, are listed in ``scattered``)."""

    key: tuple
    ids: list[str]
    lowered: tuple[list[str], list[str]]  # titles, abstracts (with a leading space)
    lengths: list[int]
    avg_length: float
    position: dict[int, int]  # rowid -> index
    ranges: list[tuple[int, int]]
    scattered: list[int]  # indexes of papers outside ``ranges``

    @classmethod
    def of(cls, key: tuple, rows: list[tuple]) -> DayPapers:
        titles = [" " + (t or "").lower() for _, _, t, _ in rows]
        abstracts = [" " + (a or "").lower() for _, _, _, a in rows]
        lengths = [t.count(" ") + a.count(" ") for t, a in zip(titles, abstracts)]
        position = {r[0]: i for i, r in enumerate(rows)}
        runs = _rowid_runs(sorted(position))
        ranges = [(lo, hi) for lo, hi, n in runs if n >= MIN_RUN][:MAX_RANGES]
        apart = sorted(r for r in position if not any(lo <= r <= hi for lo, hi in ranges))
        if len(apart) > MAX_SCATTERED:  # too many to read here: one index range over them all
            ranges.append((apart[0], apart[-1]))
            apart = []
        return cls(key, [r[1] for r in rows], (titles, abstracts), lengths,
                   sum(lengths) / max(1, len(lengths)) or 1.0, position, ranges,
                   [position[r] for r in apart])


def _bm25(papers: DayPapers, tfs: list[dict[int, tuple[int, int]]], stats: list[tuple[int, int]],
          limit: int) -> list[tuple[str, float]]:
    """The ``limit`` best papers by BM25 (FTS5's formula and column weights; ``stats`` is each
    unit's (papers counted, papers containing it)), as (arxiv_id, -score) like FTS5's rank."""
    scores: dict[int, float] = {}
    lengths, avg = papers.lengths, papers.avg_length or 1.0
    for tf, (n, hits) in zip(tfs, stats):
        if not tf:
            continue
        idf = math.log(1 + (n - hits + 0.5) / (hits + 0.5))
        for i, (tt, ta) in tf.items():
            d = TITLE_WEIGHT * tt + ABSTRACT_WEIGHT * ta
            scores[i] = scores.get(i, 0.0) + idf * d * (BM25_K1 + 1) / (
                d + BM25_K1 * (1 - BM25_B + BM25_B * lengths[i] / avg))
    ranked = sorted(scores, key=lambda i: (-scores[i], papers.ids[i]))[:limit]
    return [(papers.ids[i], -scores[i]) for i in ranked]


def _rowid_runs(rowids: list[int], gap: int = 64) -> list[tuple[int, int, int]]:
    """Sorted rowids -> (first, last, how many) runs with no hole wider than ``gap``, biggest first."""
    runs: list[list[int]] = []
    for r in rowids:
        if runs and r - runs[-1][1] <= gap:
            runs[-1][1] = r
            runs[-1][2] += 1
        else:
            runs.append([r, r, 1])
    return [(lo, hi, n) for lo, hi, n in sorted(runs, key=lambda run: -run[2])]


def _prefix(stem: str) -> str:
    """Every word with this Porter stem starts with the prefix (Porter rewrites at most the
    stem's last letters: y->i, -ate, -ble, -ize, ...)."""
    return stem if len(stem) <= 4 else stem[: max(4, len(stem) - 2)]


def _unit_counts(rows: list[tuple[str, str, str]], keys: list[tuple[str, ...]],
                 stemmer: PorterStems) -> tuple[list[list[tuple[int, int]]], list[int]]:
    """For each unit (a tuple of Porter stems: a word or a phrase) its (title, abstract)
    occurrence counts in each row, and each row's length in words. Only words that start like
    a query stem are looked at (one regular expression), then checked by their Porter stem;
    a phrase counts where its words follow each other with only separators between them."""
    wanted = {s for key in keys for s in key}
    lengths = [(t or "").count(" ") + (a or "").count(" ") + 2 for _, t, a in rows]
    if not wanted:
        return [[(0, 0)] * len(rows) for _ in keys], lengths
    finder = re.compile(r"\b(?:" + "|".join(sorted({re.escape(_prefix(s)) for s in wanted},
                                                     key=len, reverse=True)) + r")\w*")
    texts = [((title or "").lower(), (abstract or "").lower()) for _, title, abstract in rows]
    found = [[[(m.start(), m.end(), m.group()) for m in finder.finditer(text)] for text in pair]
             for pair in texts]
    stem = stemmer.stems({w for doc in found for col in doc for _, _, w in col})
    tfs = [[(0, 0)] * len(rows) for _ in keys]
    for i, doc in enumerate(found):
        counts = []
        for c, col in enumerate(doc):
            toks = [(a, b, stem[w]) for a, b, w in col if stem[w] in wanted]
            counts.append(_count_units(toks, keys, texts[i][c]))
        for k in range(len(keys)):
            tfs[k][i] = (counts[0][k], counts[1][k])
    return tfs, lengths


def _count_units(toks: list[tuple[int, int, str]], keys: list[tuple[str, ...]], text: str) -> list[int]:
    if not toks:
        return [0] * len(keys)
    out = []
    for key in keys:
        if len(key) == 1:
            out.append(sum(1 for t in toks if t[2] == key[0]))
            continue
        n = 0
        for i in range(len(toks) - len(key) + 1):
            if all(toks[i + j][2] == key[j] for j in range(len(key))) and all(
                    _ALNUM.search(text[toks[i + j][1]:toks[i + j + 1][0]]) is None
                    for j in range(len(key) - 1)):
                n += 1
        out.append(n)
    return out


# --------------------------------------------------------------------------- the service


class QAService:
    def __init__(self, store: Store, taxonomy, settings, llm=None, clock=time.time):
        self.store = store
        self.taxonomy = taxonomy
        self.settings = settings
        self.llm = llm
        self.clock = clock
        self._vocab = self._taxonomy_vocab()  # every taxonomy word: never a "name"
        self._topics = self._taxonomy_vocab(keywords=False)  # category names and aliases
        self._stemmer = PorterStems()
        self._day_cache: DayPapers | None = None  # the day read last

    # --- entry point ------------------------------------------------------------------------
    def answer(self, question: str, day: date | None = None, history: list[tuple[str, str]] = (),
               user: str = "", language: str | None = None) -> Answer:
        text, truncated = clean_question(question if isinstance(question, str) else str(question or ""))
        lang = detect_language(text, language or self.settings.digest_language)
        if not text.strip(" …"):
            return Answer(message(lang, "empty"), grounded=False)
        if user:
            limited = self._rate_limited(user, lang)
            if limited is not None:
                return limited
        notes = [message(lang, "truncated", n=MAX_QUESTION_CHARS)] if truncated else []
        if day is None:
            days = self.store.digest_days(limit=1)
            if not days:
                return Answer(message(lang, "no_digest"), grounded=False)
            day = days[0]
        day_count = self._day_count(day)
        if day_count == 0:
            return Answer(message(lang, "no_day", day=day.isoformat()), grounded=False)
        if is_injection(text):
            return Answer(_join(notes, message(lang, "injection", example=self._example(day, lang))),
                          grounded=False)

        terms = self.terms(text)
        archive = bool(_ARCHIVE.search(text))
        history = [(r, t) for r, t in (history or []) if isinstance(t, str)]
        retrieval = self._retrieve(text, terms, day, archive, history)

        if not retrieval.hits:
            if archive:
                return Answer(_join(notes, message(lang, "nothing_found"),
                                    message(lang, "archive_scope", total=self._total(),
                                            day=day.isoformat())),
                              grounded=False)
            if self._off_topic(text, terms, bool(history)):
                return Answer(_join(notes, message(lang, "off_topic", day=day.isoformat(),
                                                   example=self._example(day, lang))), grounded=False)
        missing = None if archive else self._missing_names(text, terms, day, retrieval)
        if missing is not None:
            return self._not_in_digest(missing, day, day_count, lang, notes)
        if not retrieval.hits:
            elsewhere = [h for h in self._retrieve(text, terms, day, True, []).hits if h.sentences]
            if elsewhere:  # nothing that day, but earlier digests have it: offer them
                return self._elsewhere(elsewhere, day, lang, notes)
            retrieval.hits = self._top_of_day(day, FALLBACK_SOURCES)
            retrieval.fallback = True

        after = ([] if archive or retrieval.fallback
                 else self._closer_elsewhere(text, terms, day, retrieval, lang))
        if archive:
            notes.append(message(lang, "archive_scope", total=self._total(), day=day.isoformat()))
        if self.llm is not None and getattr(self.llm, "enabled", False):
            from digest.llm.client import LLMError

            try:
                return _append(self._llm_answer(text, retrieval, day, history, lang, notes), after)
            except LLMError as err:
                log.warning("qa: falling back to search results: %s", err)
                reason = message(lang, "llm_failed", cause=getattr(err, "cause", "error"))
                return _append(self._search_answer(retrieval, day, lang, reason, notes), after)
        return _append(self._search_answer(retrieval, day, lang, message(lang, "no_key"), notes), after)

    # --- retrieval --------------------------------------------------------------------------
    def search(self, question: str, day: date | None = None, k: int = SHOWN,
               archive: bool = False) -> list[Hit]:
        """The ``k`` papers that best match ``question`` in ``day``'s digest (or all papers)."""
        text, _ = clean_question(question)
        if day is None and not archive:
            days = self.store.digest_days(limit=1)
            if not days:
                return []
            day = days[0]
        return self._retrieve(text, self.terms(text), day, archive, [], limit=k).hits[:k]

    def _retrieve(self, text: str, terms: Terms, day: date | None, archive: bool,
                  history: list[tuple[str, str]], limit: int = LLM_SOURCES) -> Retrieval:
        prior: list[str] = []
        if history and (_FOLLOWUP.search(text) or terms.empty):
            prior = self._previously_cited(history)
            last_user = next((t for r, t in reversed(history) if r == "user"), "")
            if last_user and len(terms.words) + len(terms.hangul) < 3:
                extra = self.terms(clean_question(last_user)[0])
                terms = Terms(terms.words + tuple(w for w in extra.words if w not in terms.words),
                              terms.phrases + extra.phrases, terms.hangul + extra.hangul,
                              terms.names, terms.mapped or extra.mapped, terms.research or extra.research)
        scores: dict[str, float] = {}
        for rank, (aid, _) in enumerate(self._match_papers(terms, None if archive else day)):
            scores[aid] = scores.get(aid, 0.0) + 1.0 / (RRF_K + rank)
        if day is not None and not archive:
            for rank, ids in enumerate(self._match_summaries(terms, day)):
                for aid in ids:
                    scores[aid] = scores.get(aid, 0.0) + SUMMARY_SHARE / (RRF_K + rank)
        for i, aid in enumerate(prior):  # a follow-up is first about what was just cited
            scores[aid] = scores.get(aid, 0.0) + 2.0 / (1 + i)
        ranked = sorted(scores, key=lambda a: -scores[a])
        ranked = ranked[: max(limit, len(prior) + 2) if prior else limit]
        papers = self.store.get_papers(ranked)
        labels = self._labels(ranked, None if archive else day)
        query = self._query_stems(terms)
        hits = [Hit(papers[a], scores[a], self._sentences(papers[a], terms), *labels.get(a, (day, None)),
                    coverage=_coverage(query, papers[a]))
                for a in ranked if a in papers]
        return Retrieval(hits=hits, archive=archive, terms=terms)

    def terms(self, text: str) -> Terms:
        """Query terms of a question: Latin content words, Korean words mapped to English,
        Hangul stems, and distinctive names."""
        lowered = text.lower()
        words: list[str] = []
        phrases: list[tuple[str, ...]] = []
        for w in _LATIN_WORD.findall(lowered):
            if w not in STOPWORDS and (len(w) > 1 or w.isdigit()) and w not in words:
                words.append(w)
        research = any(w in RESEARCH_WORDS or w in self._topics for w in words)
        research = research or any(k in text for k in RESEARCH_WORDS_KO)
        mapped = False
        if _HANGUL.search(text):
            for ko, en in KO_TERMS.items():
                if ko in lowered:
                    mapped = True
                    parts = en.replace("-", " ").split()
                    if " " in en.strip():
                        phrases.append(tuple(parts))
                    words.extend(p for p in parts if p not in words and p not in STOPWORDS)
            for cat in self.taxonomy:
                for alias in cat.aliases:
                    if _HANGUL.search(alias) and alias.lower() in lowered:
                        mapped = True
                        extra = [cat.name] + [k for k in cat.keywords[:3]]
                        for phrase in extra:
                            parts = _LATIN_WORD.findall(phrase.lower())
                            words.extend(p for p in parts if p not in words and p not in STOPWORDS)
        hangul = []
        for w in _HANGUL_WORD.findall(text):
            stem = _ko_stem(w)
            if len(stem) >= 2 and stem not in hangul:
                hangul.append(stem)
        for m in _QUOTED.finditer(text):
            quoted = (m.group(1) or m.group(2) or m.group(3) or "").lower()
            parts = tuple(_LATIN_WORD.findall(quoted))
            if len(parts) >= 2:
                phrases.append(parts)
        # hyphenated compounds in the question ("long-context") as phrases too
        for compound in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", lowered):
            parts = tuple(p for p in compound.split("-") if p)
            if len(parts) >= 2:
                phrases.append(parts)
        return Terms(tuple(words[:40]), tuple(dict.fromkeys(phrases))[:12], tuple(hangul[:12]),
                     tuple(self._names(text)), mapped, research or mapped)

    def _names(self, text: str) -> list[str]:
        """Tokens that name something specific: GPT-4, o1, Hymba (mid-sentence or in a
        non-Latin sentence), LLaVA, an arXiv id, a quoted title."""
        names: list[str] = []
        non_latin = bool(_HANGUL.search(text) or _KANA.search(text) or _HAN.search(text))
        for m in _NAME_TOKEN.finditer(text):
            tok = m.group().strip(".-")
            low = tok.lower()
            if not tok or low in STOPWORDS or low in self._vocab or low in RESEARCH_WORDS:
                continue
            before = text[: m.start()].rstrip()
            sentence_start = not before or before[-1] in ".!?:;\"“(["
            inner_upper = any(c.isupper() for c in tok[1:])
            digit_alpha = any(c.isdigit() for c in tok) and any(c.isalpha() for c in tok)
            titled = tok[0].isupper() and not sentence_start
            if _ARXIV_ID.fullmatch(tok) or inner_upper or digit_alpha or titled or (
                    non_latin and len(tok) >= 3 and tok[0].isalpha()):
                names.append(tok)
        for m in _QUOTED.finditer(text):
            quoted = (m.group(1) or m.group(2) or m.group(3) or "").strip()
            if len(_LATIN_WORD.findall(quoted)) >= 2:
                names.append(quoted)
        return list(dict.fromkeys(names))

    def _match_papers(self, terms: Terms, day: date | None, limit: int = 60) -> list[tuple[str, float]]:
        """Papers matching ``terms``, best first: ``day``'s papers only (never the archive), or
        the whole archive; an arXiv id typed in the question matches that paper directly."""
        ids = [n for n in terms.names if _ARXIV_ID.fullmatch(n)]
        out: list[tuple[str, float]] = []
        if ids:
            out += [(aid, -1e9) for aid in self._existing(ids, day)]
        units = self._units(terms, archive=day is None)
        if units:
            ranked = self._match_day(units, day, limit) if day is not None else self._match_archive(units, limit)
            out += [(aid, score) for aid, score in ranked if aid not in ids]
        return out

    def _units(self, terms: Terms, archive: bool = False) -> list[tuple[str, ...]]:
        """The question's search units (words, phrases, names), pruned before any search: one
        per Porter stem (what FTS5 matches), generic research words dropped when at least two
        other words remain, at most MAX_UNITS (ARCHIVE_UNITS over the archive)."""
        words = [w for w in terms.words if w not in STOPWORDS]
        multi = [tuple(p) for p in terms.phrases]
        multi += [tuple(_LATIN_WORD.findall(n.lower())) for n in terms.names
                  if _ARXIV_ID.fullmatch(n) is None]
        stems = self._stemmer.stems([*words, *(w for p in multi for w in p)])
        specific = [w for w in words if w not in GENERIC_TERMS and _stem(w) not in GENERIC_TERMS]
        if len({stems[w] for w in specific}) >= 2:
            words = specific
        units: list[tuple[str, ...]] = []
        seen: set[tuple[str, ...]] = set()
        for unit in [(w,) for w in words] + [p for p in multi if p]:
            key = tuple(stems[w] for w in unit)
            if key not in seen:
                seen.add(key)
                units.append(unit)
        return units[:ARCHIVE_UNITS if archive else MAX_UNITS]

    def _match_day(self, units: list[tuple[str, ...]], day: date, limit: int) -> list[tuple[str, float]]:
        """BM25 over ``day``'s papers only: the same formula and column weights as FTS5's bm25,
        with the day's own statistics, computed here from which of the day's papers contain each
        unit in their title and in their abstract. (FTS5's own bm25 reads, for its statistics,
        every stored paper that contains a query word: its cost grows with the archive.)"""
        papers = self._day_papers(day)
        if papers is None:
            return []
        tfs = self._day_tfs(units, papers)
        n = len(papers.ids)
        if n >= SMALL_DAY:
            return _bm25(papers, tfs, [(n, len(tf)) for tf in tfs], limit)
        # a few papers say little about how common a word is: count it over the newest stored ones
        sample, counts = self._sample_counts([_fts_phrase(list(u)) for u in units])
        return _bm25(papers, tfs, [(max(sample, n), max(c, len(tf))) for c, tf in zip(counts, tfs)], limit)

    def _sample_counts(self, phrases: list[str]) -> tuple[int, list[int]]:
        """How many of the newest ARCHIVE_SAMPLE stored papers there are, and contain each phrase
        (bounded work, whatever the archive's size)."""
        top = self._query("select max(rowid) from papers", [])[0][0] or 0
        since = top - ARCHIVE_SAMPLE
        sample = self._query("select count(*) from papers_fts_docsize where id > ?", [since])[0][0] or 1
        counts = [self._query("select count(*) from papers_fts where papers_fts match ? and rowid > ?",
                              [phrase, since])[0][0] if phrase != '""' else 0 for phrase in phrases]
        return sample, counts

    def _day_tfs(self, units: list[tuple[str, ...]], papers: DayPapers) -> list[dict[int, tuple[int, int]]]:
        """For each unit, {paper index: (count in title, count in abstract)} over the day's
        papers. Which papers contain it comes from the FTS5 index limited to the rowid ranges
        the day's papers occupy (a day's new papers are stored together, so this reads only the
        day's part of each word's list); the counts are those of words starting like it.
        Papers stored apart from the rest (first seen on an earlier day) are matched in Python."""
        tfs: list[dict[int, tuple[int, int]]] = [{} for _ in units]
        for k, unit in enumerate(units):
            phrase = _fts_phrase(list(unit))
            if phrase == '""':
                continue
            tf = tfs[k]
            probe = " " + _prefix(self._stemmer.stems([unit[0]])[unit[0]])
            titles, abstracts = papers.lowered
            for lo, hi in papers.ranges:
                for (rowid,) in self._query("select rowid from papers_fts where papers_fts match ? "
                                            "and rowid between ? and ?", [phrase, lo, hi]):
                    i = papers.position.get(rowid)
                    if i is not None:  # FTS5 found it there; how often, and where, is counted here
                        tt, ta = titles[i].count(probe), abstracts[i].count(probe)
                        tf[i] = (tt, ta) if tt or ta else (0, 1)
        if papers.scattered:
            rows = [(papers.ids[i], papers.lowered[0][i], papers.lowered[1][i]) for i in papers.scattered]
            keys = [tuple(self._stemmer.stems(list(u))[w] for w in u) for u in units]
            counts, _ = _unit_counts(rows, keys, self._stemmer)
            for k, tf in enumerate(counts):
                for i, (tt, ta) in zip(papers.scattered, tf):
                    if tt or ta:
                        tfs[k][i] = (tt, ta)
        return tfs

    def _day_papers(self, day: date) -> DayPapers | None:
        """``day``'s papers as searched by ``_match_day``; the day read last is kept, keyed by
        when that day was built, since a thread asks many questions about one day."""
        stamp = self._query("select built_at, pruned_at from day_builds where day = ?", [day.isoformat()])
        key = (day, *(stamp[0] if stamp else ()))
        cached = self._day_cache
        if cached is not None and cached.key == key:
            return cached
        rows = self._query("select p.rowid, p.arxiv_id, p.title, p.abstract from day_papers d "
                           "join papers p using (arxiv_id) where d.day = ? order by p.rowid",
                           [day.isoformat()])
        if not rows:
            return None
        papers = DayPapers.of(key, rows)
        if stamp:
            self._day_cache = papers
        return papers

    def _match_archive(self, units: list[tuple[str, ...]], limit: int, window: int = ARCHIVE_WINDOW,
                       per_unit: int = ARCHIVE_PER_UNIT) -> list[tuple[str, float]]:
        """BM25 over every stored paper, with bounded work: the candidates are the newest
        ARCHIVE_WINDOW papers matching any unit and the newest ARCHIVE_PER_UNIT matching each
        rare unit (a rare word reaches far back); each unit's document frequency is counted over
        the newest ARCHIVE_SAMPLE papers. FTS5's bm25 would count it over the whole archive for
        every question, and rank every paper that matches any word (both grow with the archive)."""
        items = [(u, _fts_phrase(list(u))) for u in units]
        items = [(u, p) for u, p in items if p != '""']
        if not items:
            return []
        sample, counts = self._sample_counts([phrase for _, phrase in items])
        newest = "select rowid from papers_fts where papers_fts match ? order by rowid desc limit ?"
        found = {r for (r,) in self._query(newest, [" OR ".join(p for _, p in items), window])}
        for (_, phrase), count in zip(items, counts):
            if count <= sample * RARE_SHARE:  # a rare word: its papers, however old, are candidates
                found.update(r for (r,) in self._query(newest, [phrase, per_unit]))
        if not found:
            return []
        rowids = sorted(found)
        rows = self._query(f"select rowid, arxiv_id, title, abstract from papers where rowid in "
                           f"({','.join('?' * len(rowids))}) order by rowid", rowids)
        papers = DayPapers.of(("archive",), rows)
        tfs = self._day_tfs([u for u, _ in items], papers)
        return _bm25(papers, tfs, [(sample, max(c, 1 if tf else 0)) for c, tf in zip(counts, tfs)], limit)

    def _match_summaries(self, terms: Terms, day: date) -> list[list[str]]:
        """The paper groups of ``day``'s category summaries, best match first: BM25 over that
        day's few summaries, read directly (an FTS5 search would rank every stored summary)."""
        words = [(w, len(w) >= 4) for w in terms.words] + [(h, True) for h in terms.hangul]
        words = [(w, prefix) for w, prefix in dict.fromkeys(words) if _ALNUM.search(w)]
        if not words:
            return []
        stored = self._query("select paper_ids, category, text from summaries where day = ?",
                             [day.isoformat()])
        texts = [f"{category or ''} {text or ''}".lower() for _, category, text in stored]
        lengths = [t.count(" ") + 1 for t in texts]
        avg = sum(lengths) / max(1, len(texts))
        scores = [0.0] * len(texts)
        for w, prefix in words:
            # a pattern that starts with the word itself is searched fast; the word start is checked here
            finder = re.compile(re.escape(w.lower()) + (r"[^\W_]*" if prefix else r"(?![^\W_])"))
            tf = [sum(1 for m in finder.finditer(t) if m.start() == 0 or not t[m.start() - 1].isalnum())
                  for t in texts]
            hits = sum(1 for n in tf if n)
            if not hits:
                continue
            idf = math.log(1 + (len(texts) - hits + 0.5) / (hits + 0.5))
            for i, n in enumerate(tf):
                if n:
                    scores[i] += idf * n * (BM25_K1 + 1) / (n + BM25_K1 * (1 - BM25_B + BM25_B * lengths[i] / avg))
        order = sorted((i for i in range(len(texts)) if scores[i] > 0), key=lambda i: -scores[i])
        rows = [(stored[i][0], -scores[i]) for i in order[:20]]
        seen: list[list[str]] = []
        for ids, _ in rows:
            group = json.loads(ids or "[]")
            if group not in seen:
                seen.append(group)
        return seen

    def _query(self, sql: str, args: list) -> list[tuple]:
        try:
            with self.store.lock:
                return [tuple(r) for r in self.store.db.execute(sql, args).fetchall()]
        except sqlite3.Error as err:  # a malformed MATCH must never reach the user
            log.warning("qa: FTS query failed (%s): %r", err, args[:1])
            return []

    def _existing(self, ids: list[str], day: date | None) -> list[str]:
        marks = ",".join("?" * len(ids))
        if day is None:
            rows = self._query(f"select arxiv_id from papers where arxiv_id in ({marks})", ids)
        else:
            rows = self._query(f"select arxiv_id from day_papers where day = ? and arxiv_id in ({marks})",
                               [day.isoformat(), *ids])
        return [r[0] for r in rows]

    def _labels(self, ids: list[str], day: date | None) -> dict[str, tuple[date | None, str | None]]:
        """(digest day, category) of each paper: that day's, or its latest appearance."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        if day is not None:
            rows = self._query(f"select arxiv_id, day, category from day_papers where day = ? "
                               f"and arxiv_id in ({marks})", [day.isoformat(), *ids])
        else:
            rows = self._query(f"select arxiv_id, max(day), category from day_papers "
                               f"where arxiv_id in ({marks}) group by arxiv_id", ids)
        return {aid: (date.fromisoformat(d) if d else None, cat) for aid, d, cat in rows}

    @staticmethod
    def _query_stems(terms: Terms) -> set[str]:
        return {_stem(w) for w in terms.words if len(w) > 2} - GENERIC_TERMS

    def _sentences(self, paper: Paper, terms: Terms, k: int = 2) -> tuple[str, ...]:
        """The abstract's sentences that share the most query words, in abstract order."""
        stems = self._query_stems(terms) or {_stem(w) for w in terms.words if len(w) > 2}
        names = {n.lower() for n in terms.names}
        scored = []
        for i, sentence in enumerate(split_sentences(paper.abstract)):
            if _INJECTION.search(sentence):
                continue
            score = len(_matched(stems, _stems(sentence))) + sum(2 for n in names if n in sentence.lower())
            if score:
                scored.append((score, i, sentence))
        best = sorted(scored, key=lambda s: (-s[0], s[1]))[:k]
        return tuple(prompts.clip(s, 320) for _, _, s in sorted(best, key=lambda s: s[1]))

    def _previously_cited(self, history: list[tuple[str, str]]) -> list[str]:
        for role, text in reversed(history):
            if role != "user":
                ids = list(dict.fromkeys(_LINK_ID.findall(text)))
                if ids:
                    return ids
        return []

    def _top_of_day(self, day: date, k: int) -> list[Hit]:
        labeled = self.store.day_papers(day)[:k]  # by popularity, then confidence
        return [Hit(p, 0.0, tuple(split_sentences(p.abstract)[:1]), day, c.category)
                for p, c in labeled]

    # --- guardrails -------------------------------------------------------------------------
    def _rate_limited(self, user: str, lang: str) -> Answer | None:
        limit = int(getattr(self.settings, "digest_qa_per_user_per_hour", 0) or 0)
        if limit <= 0:
            return None
        now = self.clock()
        with self.store.transaction() as db:
            rows = db.execute("select ts from qa_requests where user = ? and ts > ? order by ts",
                              [user, now - HOUR]).fetchall()
            if len(rows) >= limit:
                wait = rows[len(rows) - limit][0] + HOUR - now
                minutes = max(1, math.ceil(wait / 60))
                return Answer(message(lang, "rate_limited", count=len(rows), limit=limit,
                                      minutes=minutes), grounded=False)
            db.execute("delete from qa_requests where ts < ?", [now - 24 * HOUR])
            db["qa_requests"].insert({"user": user, "ts": now})
        return None

    def _off_topic(self, text: str, terms: Terms, in_thread: bool) -> bool:
        """Nothing matched and nothing in the question is about research or the digest."""
        if terms.research or _GENERAL.search(text) or (in_thread and _FOLLOWUP.search(text)):
            return False
        if _HANGUL.search(text):
            return not terms.mapped and not any(_LATIN_WORD.findall(text))
        return bool(_LATIN_LETTER.search(text)) and detect_language(text, "en") in _LATIN_STOPS

    def _missing_names(self, text: str, terms: Terms, day: date, retrieval: Retrieval) -> list[str] | None:
        """Names the question asks about that no paper of ``day`` mentions, when they are its
        point: nothing else matched, an arXiv id, or a paper asked for that nothing matches
        well ("What does the AlphaFold 3 paper say?"); else None."""
        if not terms.names or any(self._mentions(n, day) for n in terms.names):
            return None
        best = max((h.coverage for h in retrieval.hits), default=0.0)
        if (not retrieval.hits or any(_ARXIV_ID.fullmatch(n) for n in terms.names)
                or (_REFERS_TO_PAPER.search(text) and best < 0.5)):
            return list(terms.names)
        return None

    def _mentions(self, name: str, day: date | None) -> list[str]:
        if _ARXIV_ID.fullmatch(name):
            return self._existing([name], day)
        words = _LATIN_WORD.findall(name.lower())
        if not words:
            return []
        if day is not None:  # the day's own papers, never a scan of the archive
            papers = self._day_papers(day)
            if papers is None:
                return []
            (tf,) = self._day_tfs([tuple(words)], papers)
            return [papers.ids[i] for i in sorted(tf)][:5]
        sql = ("select p.arxiv_id from papers_fts join papers p on p.rowid = papers_fts.rowid "
               "where papers_fts match ?")
        return [r[0] for r in self._query(sql + " limit 5", [_fts_phrase(words)])]

    def _not_in_digest(self, names: list[str], day: date, count: int, lang: str,
                       notes: list[str]) -> Answer:
        shown = ", ".join(f"“{n}”" for n in names[:3])
        lines = [message(lang, "not_in_digest", names=shown, n=count, day=day.isoformat())]
        found: list[str] = []
        for n in names:
            found += [a for a in self._mentions(n, None) if a not in found]
        cited: list[Paper] = []
        if found:
            papers = self.store.get_papers(found[:SHOWN])
            labels = self._labels(list(papers), None)
            lines.append(message(lang, "archive_found"))
            for i, aid in enumerate(papers, 1):
                p = papers[aid]
                when = labels.get(aid, (None, None))[0]
                where = f" ({message(lang, 'in_digest', day=when.isoformat())})" if when else ""
                lines.append(f"[{i}] {p.title}{where} — {p.link}")
                cited.append(p)
        else:
            lines.append(message(lang, "archive_none", total=self._total()))
        lines.append(message(lang, "archive_offer", total=self._total()))
        return Answer(_join(notes, "\n".join(lines)), cited=tuple(cited), grounded=False)

    def _closer_elsewhere(self, text: str, terms: Terms, day: date, retrieval: Retrieval,
                          lang: str) -> list[str]:
        """A pointer to another digest's paper when it covers the question far better than any
        paper of ``day`` (the answer itself stays about ``day``)."""
        query = self._query_stems(terms)
        best = max((h.coverage for h in retrieval.hits), default=0.0)
        if len(query) < 2 or best >= 0.5:
            return []
        shown = {h.paper.arxiv_id for h in retrieval.hits}
        for hit in self._strong_elsewhere(terms):
            if hit.paper.arxiv_id not in shown and hit.coverage >= max(0.67, best + 0.34):
                when = hit.day.isoformat() if hit.day else "?"
                return [message(lang, "closer_elsewhere", title=hit.paper.title, day=when,
                                link=hit.paper.link)]
        return []

    def _strong_elsewhere(self, terms: Terms) -> list[Hit]:
        """The best stored papers over the archive (bounded as in ``_match_archive``, with a
        smaller window), for the "closer elsewhere" pointer."""
        best = [aid for aid, _ in self._match_archive(self._units(terms, archive=True), SHOWN,
                                                      window=CLOSER_WINDOW, per_unit=CLOSER_PER_UNIT)]
        papers = self.store.get_papers(best)
        labels = self._labels(list(papers), None)
        query = self._query_stems(terms)
        return [Hit(papers[a], 0.0, (), *labels.get(a, (None, None)), coverage=_coverage(query, papers[a]))
                for a in best if a in papers]

    def _elsewhere(self, hits: list[Hit], day: date, lang: str, notes: list[str]) -> Answer:
        lines = [message(lang, "no_match_day", day=day.isoformat()), message(lang, "archive_matches")]
        for i, hit in enumerate(hits[:SHOWN], 1):
            when = f" ({message(lang, 'in_digest', day=hit.day.isoformat())})" if hit.day else ""
            lines.append(f"[{i}] {hit.paper.title}{when} — {hit.paper.link}")
        lines.append(message(lang, "archive_offer", total=self._total()))
        return Answer(_join(notes, "\n".join(lines)), cited=tuple(h.paper for h in hits[:SHOWN]),
                      grounded=False)

    # --- answers ----------------------------------------------------------------------------
    def _search_answer(self, retrieval: Retrieval, day: date, lang: str, reason: str,
                       notes: list[str]) -> Answer:
        if retrieval.fallback:
            hits = retrieval.hits[: SHOWN + 2]
        else:  # papers whose own text matched; a category-summary match alone is too weak to show
            hits = [h for h in retrieval.hits if h.sentences][:SHOWN] or retrieval.hits[:1]
        key = ("fallback_head" if retrieval.fallback else
               "search_head_archive" if retrieval.archive else "search_head")
        lines = [message(lang, key, reason=reason, day=day.isoformat()), ""]
        for i, hit in enumerate(hits, 1):
            where = ""
            if retrieval.archive and hit.day is not None:
                where = f" ({message(lang, 'in_digest', day=hit.day.isoformat())})"
            lines.append(f"[{i}] {hit.paper.title}{where} — {hit.paper.link}")
            for sentence in hit.sentences:
                lines.append(f"    “{sentence}”")
        return Answer(_join(notes, "\n".join(lines).rstrip()),
                      cited=tuple(h.paper for h in hits), grounded=False)

    def _llm_answer(self, question: str, retrieval: Retrieval, day: date,
                    history: list[tuple[str, str]], lang: str, notes: list[str]) -> Answer:
        hits = retrieval.hits
        sources = [{"n": i, "title": h.paper.title, "link": h.paper.link,
                    "digest_day": h.day.isoformat() if h.day else None,
                    "abstract": prompts.clip(strip_injections(h.paper.abstract), ABSTRACT_CHARS)}
                   for i, h in enumerate(hits, 1)]
        scope = (f"The sources were searched in every stored digest, not only that of {day.isoformat()}."
                 if retrieval.archive else
                 f"The question is about the digest of {day.isoformat()}; the sources are its papers.")
        if retrieval.fallback:
            scope += (" No paper matched the question's words, so the sources are the digest's "
                      "most popular papers.")
        turns = [{"role": "assistant" if r != "user" else "user", "text": prompts.clip(t, THREAD_CHARS)}
                 for r, t in history[-THREAD_TURNS:]]
        thread = json.dumps(turns, ensure_ascii=False).replace("<", "\\u003c")
        messages = prompts.render(*PROMPT, scope=scope, language=language_name(lang),
                                  papers=prompts.quote_data(sources), thread=thread,
                                  question=prompts.quote_text(question))
        # everything the model sees is in the key: the prompt version and the rendered messages
        key = json.dumps([prompts.fingerprint(*PROMPT), messages], ensure_ascii=False)
        reply = self.llm.complete(kind="qa", messages=messages, max_tokens=700, cache_key=key,
                                  validate=lambda text: _check_reply(text, len(sources)))
        body, numbers = fix_citations(reply, len(sources), [h.paper.title for h in hits])
        cited = [hits[n - 1].paper for n in numbers]
        lines = [body]
        if numbers:
            lines += ["", message(lang, "sources")]
            lines += [f"[{n}] {hits[n - 1].paper.title} — {hits[n - 1].paper.link}" for n in sorted(numbers)]
        else:  # the answer cites nothing we can tell: show it, with what it was given to read
            from digest.i18n import t as i18n_t

            lines += ["", i18n_t(lang, "sources_consulted")]
            lines += [f"[{n}] {h.paper.title} — {h.paper.link}" for n, h in enumerate(hits, 1)]
        return Answer(_join(notes, "\n".join(lines)), cited=tuple(cited), grounded=True)

    # --- small queries ----------------------------------------------------------------------
    def _day_count(self, day: date) -> int:
        rows = self._query("select count(*) from day_papers where day = ?", [day.isoformat()])
        return rows[0][0] if rows else 0

    def _total(self) -> int:
        rows = self._query("select count(*) from papers", [])
        return rows[0][0] if rows else 0

    def _example(self, day: date, lang: str) -> str:
        top = self.store.day_papers(day)[:1]
        title = prompts.clip(top[0][0].title, 70) if top else "Hymba"
        return message(lang, "example", title=title)

    def _taxonomy_vocab(self, keywords: bool = True) -> frozenset[str]:
        vocab: set[str] = set()
        for cat in self.taxonomy:
            for phrase in (cat.name, *(cat.keywords if keywords else ()), *cat.aliases):
                vocab.update(_LATIN_WORD.findall(phrase.lower()))
        return frozenset(w for w in vocab if len(w) > 1 and w not in STOPWORDS)


# --------------------------------------------------------------------------- reply checks


_NAMED_CITATION = re.compile(
    r"[\[(]\s*(?:\^|#|sources?\s*|papers?\s*|refs?\.?\s*|references?\s*|출처\s*|논문\s*|자료\s*)"
    r"(\d{1,3}(?:\s*(?:[,;]|and)\s*\d{1,3})*)\s*[\])]", re.IGNORECASE)
_PAREN_CITATION = re.compile(r"(?<![\w\]])\((\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\)")
_SOURCES_TAIL = re.compile(
    r"\n[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?(?:sources?|references?|cited papers|출처|참고\s*(?:문헌|자료|논문))"
    r"(?:\*\*|__)?[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*\n(?:[ \t]*(?:[-*•]|\[\d+\]|\d+[.)])[^\n]*(?:\n|$))+\s*$",
    re.IGNORECASE)
_TITLE_NORM = re.compile(r"[^\w]+")


def _norm_title(text: str) -> str:
    return " ".join(_TITLE_NORM.sub(" ", text.casefold()).split())


def _cited_by_title(text: str, titles: list[str]) -> list[int]:
    """Sources a reply names by (close to) their title or their name before the colon, in the
    order they are named: models often cite 'RingCache' or the full title instead of [1]."""
    from difflib import SequenceMatcher

    body = f" {_norm_title(text)} "
    quoted = [_norm_title(next(g for g in m.groups() if g)) for m in _QUOTED.finditer(text)]
    found: list[tuple[int, int]] = []
    for n, title in enumerate(titles, 1):
        full = _norm_title(title)
        head = _norm_title(title.split(":")[0]) if ":" in title else ""
        spots = [body.find(f" {full} ")] if full else []
        if head and (len(head) >= 4 and (len(head.split()) >= 2 or re.search(r"[A-Z0-9-]", title.split(":")[0][1:]))):
            spots.append(body.find(f" {head} "))
        spots = [i for i in spots if i >= 0]
        if not spots and any(len(q) >= 12 and SequenceMatcher(None, q, full).ratio() >= 0.85
                             for q in quoted):
            spots = [len(body)]
        if spots:
            found.append((min(spots), n))
    return [n for _, n in sorted(found)]


def fix_citations(text: str, count: int, titles: list[str] | None = None) -> tuple[str, list[int]]:
    """``text`` with its citations as ``[n]`` and those outside 1..count removed; the valid
    numbers in order of use.

    Accepted: ``[1]``, ``[1, 2]``, ``[1-3]``, ``[1][2]``, ``[Source 1]``, ``[^1]``, ``【1】``, and
    ``(1)`` / ``(1, 2)`` when the reply has no bracketed citation (else "(1)" is an enumeration);
    a source named by its title (``titles``) counts as cited too. A trailing "Sources:" list the
    model wrote is dropped: the sources list is always ours.
    """
    used: list[int] = []
    text = _NAMED_CITATION.sub(lambda m: f"[{m.group(1)}]", text)
    text = re.sub(r"【\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*】", r"[\1]", text)
    if not _CITATION.search(text):
        def paren(m: re.Match) -> str:
            numbers = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
            return f"[{m.group(1)}]" if all(1 <= n <= count for n in numbers) else m.group(0)
        text = _PAREN_CITATION.sub(paren, text)
    tail = _SOURCES_TAIL.search(text)
    if tail and tail.start() > 0:
        text = text[:tail.start()]

    def repl(m: re.Match) -> str:
        numbers: list[int] = []
        for part in re.split(r"\s*(?:[,;]|and)\s*", m.group(1)):
            if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
                a, b = (int(x) for x in re.split(r"\s*[–-]\s*", part))
                numbers += list(range(a, b + 1)) if 0 < b - a < 10 else [a, b]
            elif part.strip().isdigit():
                numbers.append(int(part))
        valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= count]
        for n in valid:
            if n not in used:
                used.append(n)
        return "".join(f"[{n}]" for n in valid)

    fixed = _CITATION.sub(repl, text)
    fixed = re.sub(r"[ \t]+([.,;:!?])", r"\1", fixed)
    fixed = re.sub(r"[ \t]{2,}", " ", fixed)
    for n in _cited_by_title(fixed, list(titles or ())[:count]):
        if n not in used:
            used.append(n)
    return fixed.strip(), used


def _coverage(query: set[str], paper: Paper) -> float:
    if not query:
        return 0.0
    return len(_matched(query, _stems(f"{paper.title} {paper.abstract}"))) / len(query)


def _check_reply(text: str, count: int) -> None:
    body, _ = fix_citations(text, count)
    if len(re.sub(r"\W", "", body)) < 2:
        raise ValueError("the reply is empty once invalid citations are removed")


def _append(answer: Answer, lines: list[str]) -> Answer:
    if not lines:
        return answer
    return Answer("\n\n".join([answer.text, *lines]), answer.cited, answer.grounded)


def _join(notes: list[str], *parts: str) -> str:
    return "\n\n".join([*notes, *[p for p in parts if p]])
