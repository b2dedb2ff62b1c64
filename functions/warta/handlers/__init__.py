"""Lambda entry points: each module exposes handler(event, context).

schedule (Scheduler, every 15 minutes), ingest, alerts and digest_send (SQS
batches), digest_plan (Scheduler, daily) and web (a Function URL). Each parses
its event, calls one step and returns; the App is built once per container
by _app.current().
"""
