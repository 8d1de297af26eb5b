"""The Korean-English glossary: the engine's one home for Korean AI vocabulary.

Digests are read in Korean while papers are English, so three places translate, each in the
direction it needs (kept as three views here, not one table: each lookup's order and granularity
decides its results, which the benchmarks pin):

- :data:`QUERY_TERMS_KO` Korean phrase -> English query words, for searching a Korean question
  (``digest.ask.terms``);
- :data:`RENDERINGS_KO` English title word -> the Korean words replies use for it, as evidence that
  a Korean summary is about a paper (``digest.summarize.grounding``);
- :data:`CATEGORY_NAMES_KO` Korean names of the default categories, for a model's reply that names
  a category in Korean (``digest.classify.llm``).

Adding a word to one view changes only that use; ``tests/test_glossary.py`` checks that every
entry can take effect (right scripts on each side, category names that exist).
"""

from __future__ import annotations

# Korean AI vocabulary -> English query terms (the abstracts are English). Read in this order by
# digest.ask.terms: the order of the words it adds (and so of the search units kept) follows it.
QUERY_TERMS_KO: dict[str, str] = {
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

# English title words and the Korean renderings that replies use for them (a small glossary of
# common technical words whose Korean form is not the English word).
RENDERINGS_KO: dict[str, tuple[str, ...]] = {
    "emotional": ("감정", "정서"), "emotion": ("감정", "정서"), "response": ("응답",),
    "conversational": ("대화",), "dialogue": ("대화",), "dialog": ("대화",), "conversation": ("대화",),
    "stage": ("단계",), "help": ("도움",),
    "online": ("온라인",), "failure": ("실패",), "recovery": ("회복", "복구"),
    "imitation": ("모방",), "policy": ("정책",), "policies": ("정책",), "stability": ("안정성",),
    "principle": ("원칙", "원리"), "stationarity": ("정상성", "비정상"), "non-stationarity": ("비정상",),
    "embedding": ("임베딩",), "experts": ("전문가",), "expert": ("전문가",), "mixture": ("혼합",),
    "attention": ("어텐션", "주의"), "transformer": ("트랜스포머",), "transformers": ("트랜스포머",),
    "tool": ("도구",), "tool-use": ("도구 사용", "도구"), "medical": ("의료", "의학"),
    "multilingual": ("다국어",), "translation": ("번역",), "legal": ("법적", "법률"),
    "argument": ("논증",), "argumentation": ("논증",), "reinforcement": ("강화",),
    "robot": ("로봇",), "robotic": ("로봇",), "robotics": ("로봇",), "manipulation": ("조작",),
    "diffusion": ("확산", "디퓨전"), "editing": ("편집",), "edit": ("편집",), "gender": ("성별", "젠더"),
    "stereotype": ("고정관념", "편향"), "stereotypes": ("고정관념", "편향"), "bias": ("편향",),
    "hallucination": ("환각",), "hallucinations": ("환각",), "temporal": ("시간적", "시간"),
    "probabilistic": ("확률",), "lossless": ("손실 없는", "무손실"), "auto-regressive": ("자동 회귀", "자기회귀"),
    "autoregressive": ("자동 회귀", "자기회귀"), "mathematical": ("수학",), "symbolic": ("심볼릭", "기호"),
    "equivalence": ("동등성",), "semantic": ("의미",), "consistency": ("일관성",),
    "autoformalize": ("형식화",), "autoformalization": ("형식화",), "mobile": ("모바일",),
    "radar": ("레이더",), "cognitive": ("인지",), "tracking": ("추적",),
    "wireless": ("무선",), "federated": ("연합", "페더레이티드"), "privacy": ("프라이버시", "개인정보"),
    "security": ("보안",), "attack": ("공격",), "attacks": ("공격",), "backdoor": ("백도어",),
    "poisoning": ("포이즈닝", "오염"), "adversarial": ("적대적",), "speech": ("음성",), "audio": ("오디오", "음성"),
    "music": ("음악",), "graph": ("그래프",), "graphs": ("그래프",), "quantum": ("양자",),
    "optimization": ("최적화",), "optimal": ("최적",), "transport": ("수송", "운송"), "flow": ("흐름", "플로우"),
    "acceleration": ("가속",), "accelerating": ("가속",), "redundancy": ("중복",), "pruning": ("가지치기", "프루닝"),
    "compression": ("압축",), "quantization": ("양자화",), "distillation": ("증류",), "retrieval": ("검색",),
    "recommendation": ("추천",), "search": ("검색", "탐색"), "planning": ("계획", "플래닝"),
    "memory": ("메모리", "기억"), "long-context": ("긴 문맥", "장문"), "long-sequence": ("긴 시퀀스", "장문"),
    "sequence": ("시퀀스",), "video": ("비디오", "영상"), "scene": ("장면", "씬"), "scenes": ("장면",),
    "dynamic": ("동적",), "generation": ("생성",), "3d": ("3D", "3차원"), "depth": ("깊이",),
    "segmentation": ("분할", "세그멘테이션"), "detection": ("탐지", "검출"), "tokens": ("토큰",),
    "token": ("토큰",), "compositional": ("구성적",), "interleaved": ("인터리브", "교차"),
    "alignment": ("정렬",), "preference": ("선호",), "reward": ("보상",), "feedback": ("피드백",),
    "safety": ("안전",), "evaluation": ("평가",), "fairness": ("공정성",), "medical-imaging": ("의료 영상",),
    "healthcare": ("헬스케어", "의료"), "clinical": ("임상",), "physics": ("물리",), "tabular": ("표 형식", "테이블"),
    "forecasting": ("예측",), "prediction": ("예측",), "causal": ("인과",), "interpretability": ("해석",),
    "explanation": ("설명",), "mechanistic": ("메커니즘",), "sparse": ("희소",), "kernel": ("커널",),
    "geometric": ("기하",), "monocular": ("단안",), "lidar": ("라이다", "LiDAR"), "driving": ("주행",),
    "autonomous": ("자율",), "navigation": ("내비게이션", "탐색"), "game": ("게임",), "games": ("게임",),
    "math": ("수학",), "code": ("코드",), "programming": ("프로그래밍",), "chemistry": ("화학",),
    "molecular": ("분자",), "protein": ("단백질",), "weather": ("날씨", "기상"), "climate": ("기후",),
    "education": ("교육",), "emergent": ("창발",), "curriculum": ("커리큘럼",),
    "continual": ("지속", "연속"), "meta-learning": ("메타 학습",), "contrastive": ("대조",),
    "self-supervised": ("자기지도", "자기 지도"), "unsupervised": ("비지도",), "constant": ("상수", "일정"), "velocity": ("속도",), "noise": ("노이즈", "잡음"),
    "rectified": ("정류",), "document": ("문서",), "assistance": ("지원", "보조"), "assistant": ("보조", "어시스턴트"),
    "device": ("디바이스", "기기"), "on-device": ("온디바이스", "기기"), "summarization": ("요약",), "decision-making": ("의사 결정", "의사결정"),
    "unlearning": ("언러닝", "망각", "삭제"), "interpretation": ("해석",), "barrier": ("장벽", "한계"),
    "lightweight": ("경량",), "light-weight": ("경량",), "app": ("앱",),
    "control": ("제어",), "question": ("질문", "문제"), "synthesis": ("합성",), "conformal": ("컨포멀", "등각"),
    "structured": ("구조화", "구조적"), "survey": ("조사", "서베이"),
    "practice": ("실무", "실천", "실제"), "calibration": ("보정", "캘리브레이션"),
    "rule": ("규칙",), "theory": ("이론",),
    "fault": ("결함", "오류", "장애"), "tolerant": ("내성", "허용"), "social": ("사회",), "relation": ("관계",),
    "segment": ("세그먼트", "구간"),
    "reasoning": ("추론",), "language": ("언어",), "model": ("모델",), "learning": ("학습",),
    "agent": ("에이전트",), "benchmark": ("벤치마크",), "task": ("태스크", "작업", "과제"),
    "information": ("정보",), "propagation": ("전파",), "dynamics": ("역학", "동역학", "다이내믹스"),
    "parsing": ("파싱", "구문 분석"), "extraction": ("추출",), "challenge": ("과제", "도전"),
    "prospect": ("전망",), "technique": ("기법", "기술"), "sampling": ("샘플링", "표본"),
    "expressive": ("표현력",), "dense": ("밀집", "덴스"), "passage": ("구절", "패시지"),
    "entailment": ("함의",), "tuning": ("튜닝", "조정"), "fine-tuning": ("미세 조정", "파인튜닝"),
    "pointer": ("포인터",), "joint": ("공동", "결합"), "intent": ("의도",), "multi-label": ("다중 레이블",),
    "reading": ("읽기", "독해"), "seeking": ("탐색",), "repeated": ("반복",),
    "loss": ("손실",), "landscape": ("지형", "랜드스케이프"), "unified": ("통합",), "neural": ("신경",),
    "classification": ("분류",), "identification": ("식별",), "simultaneous": ("동시",),
    "web": ("웹",), "world": ("세계",), "environment": ("환경",), "leveraging": ("활용",),
    "parameter": ("매개변수", "파라미터"),
    "delta": ("델타",), "webpage": ("웹 페이지", "웹페이지"), "harnessing": ("활용",), "visual": ("시각",),
    "behavioral": ("행동",), "persona": ("페르소나",), "latent": ("잠재",),
    "transferability": ("전이성", "전이 가능"), "reduction": ("감소", "축소"), "in-context": ("인컨텍스트", "맥락 내"),
    "anomaly": ("이상",), "time-series": ("시계열",), "series": ("시계열",), "autoencoder": ("오토인코더",),
    "efficient": ("효율",), "consistent": ("일관",), "value": ("가치",),
    "misinformation": ("허위 정보", "잘못된 정보"), "personalization": ("개인화",), "scientific": ("과학",), "capability": ("능력",),
}

# Korean names a model may use for the default categories, for reading a classifier's reply.
# Not taxonomy aliases on purpose: an alias is also a /digest command word and a Korean question
# term in digest.ask (it would change both).
CATEGORY_NAMES_KO: dict[str, str] = {
    "멀티모달": "Multimodal", "다중 모달": "Multimodal", "컴퓨터 비전": "Computer Vision",
    "대규모 언어 모델": "LLM", "대형 언어 모델": "LLM", "거대 언어 모델": "LLM",
    "자연어 처리": "Natural Language Processing", "모델 학습 기법": "Model training technique",
    "모델 훈련 기법": "Model training technique", "학습 기법": "Model training technique",
    "강화 학습": "Reinforcement Learning", "추론 가속": "Inference acceleration",
    "추론 가속화": "Inference acceleration", "오픈 도메인 추론": "Open Domain Reasoning",
    "개방형 도메인 추론": "Open Domain Reasoning", "보안": "Security", "보안 및 안전": "Security",
    "머신러닝 윤리": "Machine Learning Ethics", "기계 학습 윤리": "Machine Learning Ethics",
    "기계학습 윤리": "Machine Learning Ethics", "오디오": "Audio", "그래프 신경망": "Graph Neural Networks",
    "양자 컴퓨팅": "Quantum Computing", "인공지능": "Artificial Intelligence", "인공 지능": "Artificial Intelligence",
}


# --- Korean words the engine's patterns read -------------------------------------------------
# Not strings shown to anyone: the Korean half of patterns that read Korean input (a question, an
# LLM's reply). Each is a regex alternation (or a tuple of words) that its module joins with the
# English half; kept here so that Korean text lives only in the catalog and this glossary.

# digest.ask.guards: a question that asks beyond today's digest ("earlier digests", "last week")
ARCHIVE_KO = (r"이전\s*(?:다이제스트|논문|날|호|에|의)|지난\s*(?:주|달|번|다이제스트|논문)|지난주|지난달"
              r"|예전|과거\s*(?:논문|다이제스트)|아카이브|전체\s*(?:다이제스트|논문)")
# ... a general question about the digest ("these papers", "summary", "which should I read")
GENERAL_KO = r"이\s*논문들|오늘(?:의)?\s*논문|다이제스트|요약|가장\s*(?:인기|흥미|중요|주목|유망)|어떤\s*논문(?:을|부터)?\s*읽"
# ... a follow-up pointing back ("that paper", "the second one", "both")
FOLLOWUP_KO = r"그\s*논문|이\s*논문(?!들)|그것|이것|첫\s*번째|두\s*번째|세\s*번째|둘\s*다"
# ... words for "paper" / "research"
PAPER_WORDS_KO = r"논문|연구"

# digest.ask.citations: "[출처 1]"-style citations and a trailing sources list in a reply
CITATION_WORDS_KO = r"출처\s*|논문\s*|자료\s*"
SOURCES_HEADING_KO = r"출처|참고\s*(?:문헌|자료|논문)"

# digest.ask.terms: particles cut from the end of a question's words; words that make a
# question about research even when nothing matched it
QUESTION_PARTICLES_KO = ("에서는", "으로는", "에서", "으로", "에게", "와의", "과의", "와", "과", "의", "은", "는",
                         "이", "가", "을", "를", "에", "로", "도", "만", "란", "이란", "인가요", "인가", "은요",
                         "는요", "나요", "가요", "요")
RESEARCH_WORDS_KO = ("논문", "모델", "연구", "방법", "데이터", "학습", "성능", "실험", "결과", "기법",
                     "알고리즘", "인공지능", "저자", "다이제스트", "벤치마크", "아키텍처", "구조", "추론")

# digest.summarize.grounding: particles cut from a loanword before it is matched to a title word
LOANWORD_PARTICLES_KO = ("으로", "에서", "이라는", "라는", "에게", "까지", "부터", "처럼", "보다", "이며", "이고",
                         "은", "는", "이", "가", "을", "를", "의", "에", "와", "과", "로", "도", "만", "적", "인")

# digest.summarize.checks: a reply that refuses, and the endings no finished sentence has
REFUSAL_START_KO = r"죄송|(?:요청|이 요청)[^.\n]{0,30}(?:수 없|어렵)"
REFUSAL_ANY_KO = r"도와(?:드릴|줄) 수 없|제공할 수 없|응할 수 없"
DANGLING_CONJUNCTIONS_KO = r"및|또는|그리고|그러나|하지만|그래서"
DANGLING_PARTICLES_KO = r"를|을|에서|으로|하며|하고|하여|이며|에게"

# digest.summarize.replies: the words of a reply's numbered steps and headings
STEP_WORDS_KO = r"단계|파트"
STEP_SUFFIX_KO = r"단계"
SOURCES_LINE_KO = r"출처|참고\s*문헌|참고\s*자료|참조"
PART_WORDS_KO: tuple[tuple[str, ...], ...] = (
    ("주제", "테마", "핵심 내용", "개요", "제목"),
    ("키워드", "트렌드", "패턴", "동향", "경향"),
    ("사건", "이벤트", "발견", "정보", "논문별", "각 논문", "요약"),
    ("영향", "응용"),
    ("결론", "전망", "미래", "향후", "종합"),
)
FINAL_WORDS_KO = r"최종|종합|통합"  # + "summary": a final summary is part 5
SUMMARY_WORD_KO = r"요약"
CONCLUSION_WORDS_KO = r"결론|전망"
