"""Transfer (转递) of whole archives and intake (接收) of archives sent to us (issue 6).

services.py   every state change of an outgoing transfer (四不转递 checked on submit, approval and sending)
intake.py     every state change of an incoming archive (counts and seal, acceptance, the intake review)
selectors.py  reads, filtered by who may see them
views*.py, forms.py, urls.py      the transfer desk, the intake desk, their pages
api.py, serializers.py, api_urls.py   /api/transfers/ and /api/intakes/
pdf.py        the three-part transfer notice, the intake receipt, the return letter, the alteration record
tasks.py      the daily receipt-chase sweep (回执逾期，应催问)
navigation.py menu entries, home panels, audit labels
demo.py       demo data for seed_demo
"""
