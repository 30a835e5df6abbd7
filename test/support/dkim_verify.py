#!/usr/bin/python3
"""Independent DKIM check with python3-dkim (dkimpy): reads a message on stdin, DNS TXT answers as JSON in argv[1].
Exit 0 when every DKIM-Signature verifies, 1 otherwise; prints the verifier's log on failure."""
import json
import logging
import sys

import dkim

records = json.loads(sys.argv[1])


def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    value = records.get(name.rstrip('.').lower())
    return value.encode() if value else None


message = sys.stdin.buffer.read()
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
d = dkim.DKIM(message, logger=logging.getLogger('dkim'))
count = message.count(b'DKIM-Signature:')
ok = count > 0 and all(d.verify(idx=i, dnsfunc=dnsfunc) for i in range(count))
print('pass' if ok else 'fail')
sys.exit(0 if ok else 1)
