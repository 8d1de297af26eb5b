"""Sources: the three real formats from files and from a local HTTP server, politely fetched."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from digest.errors import SourceError
from digest.sources import SourceLoader, detect, merge, parse, resolve
from digest.sources.fetch import PoliteFetcher

DAY = date(2024, 11, 22)


def loader(**kw) -> SourceLoader:
    return SourceLoader(PoliteFetcher("mailto:test@example.org", timeout=2, retries=kw.pop("retries", 0),
                                      min_interval=0, backoff=0, **kw))


def test_hf_daily_json_parsed_with_upvotes_and_normalised_titles(fixtures):
    papers = parse((fixtures / "engine/hf_day.json").read_bytes())
    assert len(papers) == 6
    kv = papers[0]
    assert kv.arxiv_id == "2411.90001" and kv.title == "Sparse KV Caching for Long-Context Inference"
    assert kv.popularity == 42 and kv.authors == ("Ada Park", "Min Lee") and kv.source == "hf"
    assert kv.link == "https://arxiv.org/abs/2411.90001"
    assert papers[-1].abstract == ""  # a paper with no abstract is kept, not dropped


def test_arxiv_rss_keeps_new_and_cross_only_and_strips_versions(fixtures):
    papers = parse((fixtures / "engine/arxiv_rss.xml").read_bytes())
    ids = [p.arxiv_id for p in papers]
    assert ids == ["2411.80001", "2411.80002", "2411.90001"]  # the 'replace' item is gone
    robot = papers[0]
    assert robot.abstract.startswith("We use reinforcement learning") and "Announce Type" not in robot.abstract
    assert robot.categories == ("cs.RO", "cs.AI") and robot.authors == ("Ana Silva", "Tom Berg")


def test_arxiv_api_atom_parsed(fixtures):
    papers = parse((fixtures / "engine/arxiv_api.xml").read_bytes())
    assert [(p.arxiv_id, p.title) for p in papers] == [("2411.70001", "Graph Neural Networks for Traffic Forecasting")]
    assert papers[0].authors == ("Ivy Wong", "Raj Patel") and "cs.LG" in papers[0].categories


def test_format_detected_from_content_and_prefix_overrides(fixtures):
    assert detect((fixtures / "engine/hf_day.json").read_bytes()) == "hf"
    assert detect((fixtures / "engine/arxiv_rss.xml").read_bytes()) == "arxiv-rss"
    assert detect((fixtures / "engine/arxiv_api.xml").read_bytes()) == "arxiv-api"
    with pytest.raises(SourceError, match="unknown source format"):
        detect((fixtures / "engine/unknown.json").read_bytes())
    spec = resolve(f"arxiv-rss:{fixtures}/engine/arxiv_rss.xml", DAY)
    assert spec.forced == "arxiv-rss" and not spec.is_url


def test_spec_shortcuts_and_date_placeholder():
    assert resolve("hf", DAY).location.endswith("daily_papers?date=2024-11-22")
    assert resolve("arxiv:cs.AI+cs.CL", DAY).location.endswith("/rss/cs.AI+cs.CL")
    assert resolve("/data/hf_{date}.json", DAY).location == "/data/hf_2024-11-22.json"


def test_bozo_feed_with_entries_is_used_and_logged(fixtures, caplog):
    papers = parse((fixtures / "engine/arxiv_bozo.xml").read_bytes())
    assert len(papers) >= 3
    assert "malformed feed" in caplog.text


def test_weekend_feed_gives_no_papers_not_an_error(fixtures):
    assert parse((fixtures / "engine/arxiv_weekend.xml").read_bytes()) == []


def test_duplicates_across_sources_merged_keeping_richest_record(fixtures):
    collected = loader().collect([str(fixtures / "engine/hf_day.json"),
                                  str(fixtures / "engine/arxiv_rss.xml")], DAY)
    ids = [p.arxiv_id for p in collected.papers]
    assert len(ids) == len(set(ids)) == 8
    kv = next(p for p in collected.papers if p.arxiv_id == "2411.90001")
    assert kv.popularity == 42 and kv.categories == ("cs.LG", "cs.CL")  # upvotes from HF, classes from RSS
    assert "limited by the memory footprint" in kv.abstract


def test_merge_prefers_an_abstract_over_none():
    from digest.models import Paper

    merged = merge([[Paper("1", "T")], [Paper("1", "T", abstract="A real abstract.")]])
    assert merged[0].abstract == "A real abstract."


def test_one_failing_source_does_not_sink_the_others(fixtures):
    collected = loader().collect(["/no/such/file.json", str(fixtures / "engine/unknown.json"),
                                  str(fixtures / "engine/hf_day.json")], DAY)
    assert len(collected.papers) == 6
    assert len(collected.errors) == 2
    assert "no such file" in collected.errors[0] and "unknown source format" in collected.errors[1]


class FeedServer:
    """A local feed host: ETag/Last-Modified, scripted failures, records request headers."""

    def __init__(self, body: bytes):
        self.body = body
        self.fail_first: list[int] = []
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.requests.append(dict(self.headers))
                if outer.fail_first:
                    self.send_response(outer.fail_first.pop(0))
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", '"v1"')
                self.send_header("Last-Modified", "Fri, 22 Nov 2024 05:00:00 GMT")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/rss/cs.AI"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def feed_server(fixtures):
    server = FeedServer((fixtures / "engine/arxiv_rss.xml").read_bytes())
    yield server
    server.httpd.shutdown()


def test_fetch_sends_user_agent_with_contact_and_reuses_etag(feed_server, tmp_path):
    from digest.store import Store

    store = Store(tmp_path / "s.db")
    src = SourceLoader(PoliteFetcher("mailto:team@example.org", timeout=2, retries=0, min_interval=0),
                       store.feed_state, store.save_feed_state)
    first = src.collect([feed_server.url], DAY)
    second = src.collect([feed_server.url], DAY)
    assert "mailto:team@example.org" in feed_server.requests[0]["User-Agent"]
    assert feed_server.requests[1]["If-None-Match"] == '"v1"'
    assert "If-Modified-Since" in feed_server.requests[1]
    # the 304 is answered from the stored copy: same papers, nothing lost
    assert [p.arxiv_id for p in second.papers] == [p.arxiv_id for p in first.papers] != []


def test_fetch_retries_5xx_and_429_then_succeeds(feed_server):
    feed_server.fail_first = [503, 429]
    collected = loader(retries=2).collect([feed_server.url], DAY)
    assert len(feed_server.requests) == 3 and len(collected.papers) == 3


def test_fetch_gives_up_with_a_clear_error(feed_server):
    feed_server.fail_first = [500, 500, 500]
    collected = loader(retries=1).collect([feed_server.url], DAY)
    assert collected.papers == [] and "HTTP 500" in collected.errors[0]


def test_unreachable_url_is_a_one_line_error():
    collected = loader().collect(["http://127.0.0.1:9/rss"], DAY)
    assert collected.papers == [] and "unreachable" in collected.errors[0]


def test_arxiv_requests_are_spaced_three_seconds_apart():
    waits: list[float] = []
    fetcher = PoliteFetcher("mailto:x@example.org", min_interval=3.0, sleep=waits.append)
    fetcher._wait_turn("rss.arxiv.org")
    fetcher._wait_turn("export.arxiv.org")
    fetcher._wait_turn("huggingface.co")  # other hosts are not slowed down
    assert len(waits) == 1 and 2.9 < waits[0] <= 3.0


def test_missing_abstracts_are_filled_from_the_arxiv_api(fixtures, monkeypatch):
    """An online build asks the arXiv API (one request) for papers that came without abstract."""
    from digest.sources import arxiv_api

    hf = (fixtures / "engine/hf_day.json").read_bytes().replace(b'"2411.90006"', b'"2411.70001"')
    atom = (fixtures / "engine/arxiv_api.xml").read_bytes()
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            seen.append(self.path)
            body = atom if self.path.startswith("/api/query") else hf
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setattr(arxiv_api, "API_URL", base + "/api/query?id_list={ids}&max_results={n}")
    try:
        collected = loader().collect([base + "/daily_papers?date={date}"], DAY)
    finally:
        httpd.shutdown()
    filled = next(p for p in collected.papers if p.arxiv_id == "2411.70001")
    assert filled.abstract.startswith("We apply message passing")
    assert filled.title == "A Paper Without Abstract"  # the day's own record is kept, only the gap filled
    assert seen == ["/daily_papers?date=2024-11-22", "/api/query?id_list=2411.70001&max_results=1"]


def test_local_files_never_trigger_network_lookups(fixtures, monkeypatch):
    from digest.sources import arxiv_api

    monkeypatch.setattr(arxiv_api, "API_URL", "http://127.0.0.1:9/{ids}{n}")
    collected = loader().collect([str(fixtures / "engine/hf_day.json")], DAY)
    assert collected.errors == [] and len(collected.papers) == 6


def test_malformed_hf_entries_are_skipped_not_fatal(caplog):
    body = json.dumps([
        {"paper": {"id": "2411.1", "title": "Good", "summary": "Fine.", "authors": None, "upvotes": "12k"}},
        {"paper": {"id": "2411.2", "title": "Also good", "summary": "Ok.", "publishedAt": 1732406400}},
        {"paper": "not an object"}, 42, None,
    ]).encode()
    papers = parse(body)
    assert [(p.arxiv_id, p.popularity) for p in papers] == [("2411.1", 0), ("2411.2", 0)]
    assert "skipped 3 malformed entries" in caplog.text


def test_a_response_cut_off_mid_body_is_a_retried_one_line_error():
    class Truncating(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b'[{"paper"')

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Truncating)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        collected = loader(retries=1).collect([f"http://127.0.0.1:{httpd.server_address[1]}/x"], DAY)
    finally:
        httpd.shutdown()
    assert collected.papers == [] and "broken response (IncompleteRead)" in collected.errors[0]


def test_undated_feed_urls_are_skipped_for_past_days(feed_server):
    collected = loader().collect([feed_server.url], DAY, current=date(2024, 11, 25))
    assert collected.papers == [] and feed_server.requests == []
    assert "serves only the current announcement" in collected.errors[0]
    assert len(loader().collect([feed_server.url], DAY, current=DAY).papers) == 3


def test_urls_in_messages_hide_credentials():
    from digest.sources.fetch import display_url

    shown = display_url("https://user:pw@example.org/feed?date=2024-11-22&api_key=SECRET&token=T")
    assert shown == "https://example.org/feed?date=2024-11-22&api_key=***&token=***"


def test_a_304_for_a_url_with_a_token_logs_it_masked(feed_server, tmp_path, caplog):
    """Issue 11 row 11: the "not modified" line printed the URL raw, token and all."""
    import logging

    from digest.store import Store

    store = Store(tmp_path / "s.db")
    src = SourceLoader(PoliteFetcher("mailto:team@example.org", timeout=2, retries=0, min_interval=0),
                       store.feed_state, store.save_feed_state)
    url = feed_server.url + "?token=S3CRET-T0KEN&user=me:pw"
    caplog.set_level(logging.DEBUG)
    first = src.collect([url], DAY, current=DAY)
    second = src.collect([url], DAY, current=DAY)
    assert len(second.papers) == len(first.papers) == 3
    assert "not modified" in caplog.text  # the 304 was answered from the stored copy
    assert "S3CRET-T0KEN" not in caplog.text and "token=***" in caplog.text


def test_a_feed_body_over_the_cap_is_refused_in_one_line(feed_server):
    feed_server.body = b"<rss>" + b" " * 3000 + b"</rss>"
    src = SourceLoader(PoliteFetcher("mailto:t@example.org", timeout=2, retries=0, min_interval=0,
                                     max_body=1000))
    collected = src.collect([feed_server.url], DAY, current=DAY)
    assert collected.papers == [] and "response larger than" in collected.errors[0]
