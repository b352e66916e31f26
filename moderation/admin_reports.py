"""The staff's view of malware reports and trusted observers (imported by ``admin.py``)."""
