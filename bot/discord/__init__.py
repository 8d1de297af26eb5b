"""Discord adapter: ``/digest`` (app command), daily posts with a thread, answers in threads.

Modules: ``client`` (the bot and ``main(argv)``), ``commands`` (``/digest``), ``post`` (the daily
post, exactly once: ``post_daily``), ``threads`` (questions), ``render`` (pure payload renderers).
"""
