"""The demo org: a Salesforce REST API emulator held to Salesforce's documented behaviour.

`DemoOrg` holds the data and the simulation; `ApiHandler` answers HTTP requests for it;
`EmulatorAdapter` (in-process, for `requests`) and `serve` (loopback server) carry them.
No Textual here (DESIGN.md, rule 1).
"""
