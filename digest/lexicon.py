"""The word lists the offline synthesis judges English abstract text by — kept in one place.

Where they come from:

* ``FUNCTION_WORDS`` — the closed word classes of English (articles, determiners, pronouns,
  prepositions, conjunctions, auxiliary and modal verbs, common adverbs and number words), the
  ground every stop list covers (SMART, the Glasgow IR list, NLTK's), written out here by hand so
  the list is ours to extend. A keyword is never one of these alone, and never starts or ends
  with one (``grounding videos like``, ``although``, ``has`` were shown as keywords before).
* ``GENERIC_WORDS`` — words every abstract uses about itself (``method``, ``results``,
  ``approach``, ``paper``, ``details``, ``steps``...), taken from the junk the offline digest
  showed on the real Hugging Face days 2024-11-18..26 and the cs.AI feed of 2024-11-19
  (issue 13) and from the boilerplate vocabulary of abstracts. They may head a longer phrase
  (``language models``, ``reward model``) but are never a keyword alone.
* ``ADJECTIVES`` and ``ING_NOUNS`` — adjectives that name no technique alone (``linear``,
  ``latent``), and the -ing words that are nouns in ML text (``reasoning``, ``decoding``): any
  other -ing word opening a phrase is a verb with its object (``evaluating tokenizer performance``).
* ``PHRASE_BREAKERS`` — verbs that abstracts use to link a subject to a claim (``enables``,
  ``outperforms``, ``let``...). Without a part-of-speech tagger they are what ends a noun phrase.
* ``BOILERPLATE`` — sentences about where the code, data or project page lives, how to cite,
  where the paper appears: the availability sentences quoted as findings or outlook on those
  same days ("The code is available at: https://github.com/…", "please refer to the webpage",
  "Our models and code are publicly available on GitHub at …").

Sentences that address an AI reader are judged by :func:`digest.untrusted.is_injection`, not here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from digest.untrusted import is_injection

FUNCTION_WORDS = frozenset("""
a an the this that these those such what which who whom whose whatever whichever
i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves one ones oneself
about above across after against along alongside amid among amongst around as at atop before behind
below beneath beside besides between beyond by despite down during except for from in inside into
like near of off on onto opposite out outside over past per plus regarding round since than through
throughout till to toward towards under underneath unlike until unto up upon versus via vs with within
without
and or but nor so yet either neither both whether if unless although though because while whereas
whereby wherein whilst once then else hence thus therefore however moreover furthermore nevertheless
nonetheless meanwhile otherwise instead indeed also additionally finally
am is are was were be been being have has had having do does did doing done can could may might
will would shall should must ought need needs dare get gets got getting
not no yes very too quite rather just only even still already almost nearly always never often
sometimes usually ever here there where when why how now again further more most less least much
many few fewer several some any all each every other another same own enough else
first second third fourth fifth two three four five six seven eight nine ten hundred thousand
million billion zero half twice single
e.g i.e etc al et cf
""".split())

GENERIC_WORDS = frozenset("""
method methods approach approaches result results paper papers work works study studies detail
details step steps answer answers feature features model models task tasks data framework frameworks
performance experiment experiments analysis analyses benchmark benchmarks dataset datasets problem
problems solution solutions technique techniques system systems evaluation evaluations quality
information level levels process processes research researcher researchers way ways type types
set sets number numbers use usage case cases example examples part parts form forms aspect aspects
issue issues challenge challenges question questions point points idea ideas effect effects
state art sota baseline baselines variant variants version versions module modules component components
strategy strategies setting settings scenario scenarios application applications domain domains
field fields area areas capability capabilities ability abilities potential impact insight insights
finding findings contribution contributions improvement improvements advance advances advancement
advancements development developments need needs lack limitation limitations gap gaps key
novel new proposed existing recent current prior previous traditional conventional standard typical
general various different diverse multiple several numerous extensive comprehensive significant
substantial superior better best higher lower large small wide broad strong robust effective
efficient simple complex specific particular important critical crucial essential remarkable
promising competitive consistent overall able real world high low good great main major minor
visual human humans additional available open public further final initial original whole full
code project page website webpage github https http www com org html pdf
state-of-the-art open-source open-sourced off-the-shelf plug-and-play end-to-end large-scale
fine-grained high-quality real-world long-term cutting-edge well-known user-friendly mechanism mechanisms
experimental empirical preliminary minimal optimal accurate test tests
""".split())

# Adjectives that describe a technique but name none: never a keyword alone (``linear``,
# ``latent``, ``hybrid`` were shared keywords on the real days), fine inside a phrase.
ADJECTIVES = frozenset("""
linear nonlinear latent hybrid natural temporal spatial textual semantic neural generative
discriminative adversarial contrastive autoregressive dynamic static personal global local explicit
implicit unified universal scalable interpretable automatic automated closed dense sparse continuous
discrete intrinsic extrinsic synthetic physical digital medical clinical social considerate
multimodal multi-modal cross-modal unimodal joint adaptive interactive iterative hierarchical
compact lightweight fast faster slow accurate reliable stable optimal suboptimal minimal maximal
theoretical practical empirical structural functional causal statistical computational
""".split())

PHRASE_BREAKERS = frozenset("""
propose proposes proposed introduce introduces introduced present presents presented show shows
shown showed demonstrate demonstrates demonstrated achieve achieves achieved achieving outperform
outperforms outperformed outperforming surpass surpasses surpassed improve improves improved
improving enable enables enabled enabling allow allows allowed allowing let lets make makes made
making provide provides provided providing yield yields yielded leverage leverages leveraged
leveraging use uses used using utilize utilizes utilized utilizing employ employs employed
require requires required requiring remain remains remained reveal reveals revealed find finds
found suggest suggests suggested indicate indicates indicated include includes included including
consider considers considered address addresses addressed addressing aim aims aimed focus focuses
focused explore explores explored investigate investigates investigated evaluate evaluates evaluated
develop develops developed design designs designed call calls called named term termed dubbed
exhibit exhibits exhibited offer offers offered obtain obtains obtained reach reaches reached
keep keeps kept hold holds held give gives gave given take takes took taken lead leads led
run runs become becomes became help helps helped ensure ensures ensured support supports
supported apply applies applied based related due compared according able known
grow grows grew increase increases decrease decreases drop drops rise rises reduce reduces reduced
scale scales perform performs performed fail fails failed struggle struggles suffer suffers
rely relies depend depends lack lacks contain contains produce produces produced generate generates
learn learns learned predict predicts capture captures handle handles preserve preserves maintain
maintains outperformed boost boosts boosted harness harnesses exploit exploits integrate integrates
combine combines extend extends bridge bridges mitigate mitigates tackle tackles solve solves
meets meet breaks break pushes push encourages encourage matches match
""".split())

# -ing words that name a thing in ML text (``reasoning models``, ``decoding strategies``); any
# other -ing word opening a phrase is a verb with its object (``evaluating tokenizer performance``).
ING_NOUNS = frozenset("""
learning reasoning training pre-training post-training fine-tuning instruction-tuning decoding editing
tracking planning grounding embedding embeddings encoding modeling modelling understanding prompting
captioning answering sampling scaling rendering matching labeling labelling pruning clustering
forecasting parsing tuning mapping computing processing driving thinking writing reading speaking
testing routing caching batching hashing filtering splatting inpainting denoising upsampling pooling
red-teaming jailbreaking watermarking unlearning merging steering probing coding programming
scheduling mining streaming tracing profiling spinning manufacturing engineering computing
recommending ranking reranking retrieval-augmented self-training co-training in-context
""".split())

# -ly words that are nouns, not adverbs (an adverb never ends a keyword).
_LY_NOUNS = frozenset("anomaly anomalies family families assembly supply reply poly italy monopoly "
                      "butterfly rally ally melody".split())

_NUMBER = re.compile(r"^[+-]?\d[\d.,]*(?:%|x|k|m|b|ms|s)?$", re.IGNORECASE)
_URL = re.compile(r"https?://|www\.|\b[\w-]+\.github\.io\b|\bgithub\.com\b", re.IGNORECASE)

_ARTIFACT = (r"(?:code(?:s|base)?|source code|implementation|models?|weights|checkpoints?|data(?:sets?)?"
             r"|benchmarks?|demos?|resources?|materials?|tools?|toolkit|library|prompts?|videos?"
             r"|project|repository|pipeline|all)")
BOILERPLATE = re.compile(
    r"https?://|www\.|github|hugging\s*face\s+hub|huggingface\.co"
    rf"|\b{_ARTIFACT}\b[^.]{{0,80}}\b(?:is|are|will\s+be|have\s+been|has\s+been|be|being)\s+"
    r"(?:made\s+)?(?:now\s+)?(?:publicly\s+|freely\s+|openly\s+|fully\s+)?"
    r"(?:available|released|open[- ]?sourced|accessible|public)\b"
    r"|\b(?:publicly|freely|openly)\s+(?:available|released|accessible)\s+(?:at|on|via|from|in|to)\b"
    r"|\bavailable\s+(?:at|on|from|online|here|upon)\b"
    rf"|\bwe\s+(?:will\s+)?(?:publicly\s+|also\s+)?(?:release|open[- ]?source|share|publish|make)\s+"
    rf"(?:all\s+|our\s+|the\s+)?(?:\w+\s+){{0,3}}{_ARTIFACT}"
    r"|\b(?:please\s+)?(?:refer|visit|see|check)\s+(?:to\s+)?(?:our|the)\s+(?:\w+\s+)?"
    r"(?:project\s+page|page|website|webpage|repository|repo|homepage|appendix|supplementary)"
    r"|\bproject\s+page\b|\bwebpage\b|\bwebsite\b|\bcan\s+be\s+found\s+(?:at|in|on|here)\b"
    r"|\b(?:accepted|to\s+appear|published)\s+(?:at|in|by)\s+(?:the\s+)?[A-Z]"
    r"|\b\d+\s+pages\b|\bcopyright\b|\bcorresponding\s+author\b|\bequal\s+contribution\b"
    r"|\bthis\s+(?:paper|article|preprint)\s+(?:has\s+been|was|is)\s+(?:accepted|submitted)",
    re.IGNORECASE)
# Every BOILERPLATE alternative needs one of these: a cheap substring test first keeps it fast.
_BOILERPLATE_HINTS = ("http", "www", "github", "hugging", "available", "releas", "source", "public",
                      "share", "publish", "make", "refer", "visit", "see", "check", "page", "website",
                      "found", "accepted", "appear", "copyright", "author", "contribution")


def _bare(word: str) -> str:
    return word.strip(".,;:'\"()[]").lower()


def is_function_word(word: str) -> bool:
    """A closed-class English word (``the``, ``although``, ``has``...): never a keyword alone."""
    return _bare(word) in FUNCTION_WORDS


def is_number(word: str) -> bool:
    """``3``, ``8.9%``, ``100k``: a bare number says nothing as a keyword."""
    return bool(_NUMBER.match(_bare(word)))


def is_adverb(word: str) -> bool:
    w = _bare(word)
    return len(w) > 4 and w.endswith("ly") and "-" not in w and w not in _LY_NOUNS


@lru_cache(maxsize=65536)
def breaks_phrase(word: str) -> bool:
    """Words a noun phrase cannot run through: function words, linking verbs, adverbs, numbers."""
    w = _bare(word)
    return (not w or w in FUNCTION_WORDS or w in PHRASE_BREAKERS or is_number(w) or is_adverb(w)
            or len(w) < 2)


@lru_cache(maxsize=65536)
def junk_keyword(phrase: str) -> str | None:
    """Why ``phrase`` is no keyword a reader would pick (None when it is one).

    ``function word``, ``number``, ``generic`` (a research word alone, or only such words),
    ``fragment`` (starts or ends with a function word, verb or adverb: ``grounding videos like``,
    or opens with a verb's -ing form: ``evaluating tokenizer performance``).
    """
    words = [_bare(w) for w in phrase.split()]
    words = [w for w in words if w]
    if not words:
        return "empty"
    if len(words) == 1:
        w = words[0]
        if w in FUNCTION_WORDS:
            return "function word"
        if is_number(w):
            return "number"
        if (w in GENERIC_WORDS or w in ADJECTIVES or w in PHRASE_BREAKERS or is_adverb(w) or len(w) < 3
                or (w.endswith("ing") and not w.endswith("thing") and "-" not in w
                    and w not in ING_NOUNS)):
            return "generic"
        return None
    if any(is_number(w) for w in words) and all(is_number(w) or w in GENERIC_WORDS for w in words):
        return "number"
    if all(w in GENERIC_WORDS or w in FUNCTION_WORDS for w in words):
        return "generic"
    if breaks_phrase(words[0]) or breaks_phrase(words[-1]):
        return "fragment"
    if words[0].endswith("ing") and words[0] not in ING_NOUNS:
        return "fragment"
    return None


def is_boilerplate(sentence: str) -> bool:
    """A sentence about links, code or data availability, venues or citations — or one that
    addresses an AI reader: never quoted as a finding, an impact or an outlook."""
    return looks_like_boilerplate(sentence) or is_injection(sentence)


def looks_like_boilerplate(sentence: str) -> bool:
    """The BOILERPLATE test alone (without the slower injection test)."""
    low = sentence.lower()
    return any(h in low for h in _BOILERPLATE_HINTS) and bool(BOILERPLATE.search(sentence))


def has_url(text: str) -> bool:
    return bool(_URL.search(text))
