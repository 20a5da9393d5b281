"""The 1C exchange (CommerceML 2, CONTRACT.md): the server side of 1C's "exchange with a website".

Sits above pricing (the catalog becomes price lists) and cabinet (orders go to 1C and come back
with their state moves); nothing imports it. Modules: ``views`` (the protocol at ``/exchange/1c/``),
``catalog`` (import.xml / offers.xml → price lists per buyer), ``sale`` (orders ↔ CommerceML
documents), ``services`` (settings and the exchange history), ``tasks`` (big files on the queue),
``api`` (``integrations/1c/``), ``integrations`` (the section of the Integrations page).
"""
