"""Local stand-ins for every external service mediaflow talks to, speaking their wire formats.

`server.run_sandbox` serves them (n8n, Make, Microsoft identity and Graph, the Facebook,
Instagram and YouTube APIs) from one process; `control` aims clients at it and drives its clock,
faults and ground truth.
"""
