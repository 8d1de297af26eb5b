"""The parts of DigestService that are made on first use: the LLM client, the classifier, the
summarizer and the source loader.

Reading a stored digest (``digest show``, the console, ``/digest``) needs none of them, so none of
the openai SDK, feedparser or the HTTP client is imported until a build or a question needs it
(start-up time, issue 14). Tests and the CLI may set each one (``service.llm = ...``).
"""

from __future__ import annotations

from digest.classify.keyword import Classifier
from digest.errors import ConfigError
from digest.summarize.extractive import ExtractiveSummarizer, Summarizer

UNSET = object()  # "not made yet" (None is a valid LLM: no key)


class Parts:
    """Lazily made parts; the subclass sets ``settings``, ``store``, ``taxonomy``,
    ``offline_classifier`` and ``_llm`` / ``_classifier`` / ``_summarizer`` / ``_loader``."""

    @property
    def llm(self):
        if self._llm is UNSET:
            self._llm = self._make_llm()
        return self._llm

    @llm.setter
    def llm(self, value) -> None:
        self._llm = value

    @property
    def classifier(self) -> Classifier:
        if self._classifier is None:
            self._classifier = self._make_classifier(self.settings.digest_classifier)
        return self._classifier

    @classifier.setter
    def classifier(self, value: Classifier) -> None:
        self._classifier = value

    @property
    def summarizer(self) -> Summarizer:
        if self._summarizer is None:
            self._summarizer = self._make_summarizer()
        return self._summarizer

    @summarizer.setter
    def summarizer(self, value: Summarizer) -> None:
        self._summarizer = value

    @property
    def loader(self):
        """The sources (feedparser and the HTTP client are imported here: reading needs neither)."""
        if self._loader is None:
            from digest.sources import SourceLoader
            from digest.sources.fetch import PoliteFetcher

            self._loader = SourceLoader(
                PoliteFetcher(self.settings.digest_contact, self.settings.digest_http_timeout,
                              self.settings.digest_http_retries, self.settings.digest_arxiv_delay),
                self.store.feed_state, self.store.save_feed_state)
        return self._loader

    @loader.setter
    def loader(self, value) -> None:
        self._loader = value

    def _make_llm(self):
        if not self.settings.llm_enabled:
            return None
        from digest.llm.client import LLM

        return LLM(self.settings, self.store)

    def _make_classifier(self, choice: str) -> Classifier:
        if choice == "keyword" or (choice == "auto" and self.llm is None):
            return self.offline_classifier
        if self.llm is None:
            raise ConfigError("--classifier llm needs OPENAI_API_KEY (or use --classifier keyword)")
        from digest.classify.llm import LLMClassifier

        return LLMClassifier(self.llm, self.taxonomy, self.offline_classifier)

    def _make_summarizer(self) -> Summarizer:
        if self.llm is None:
            return ExtractiveSummarizer()
        from digest.summarize.llm import LLMSummarizer

        return LLMSummarizer(self.llm, self.settings)

    def use_classifier(self, choice: str) -> None:
        self._classifier = self._make_classifier(choice)

