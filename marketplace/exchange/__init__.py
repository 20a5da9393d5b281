"""The 1C exchange (CommerceML 2, CONTRACT.md): the server side of 1C's "exchange with a website".

The endpoint, its login and the exchange history are the tenancy core's; what each ``type=`` does
is the business of the app whose data it moves, found like dashboard cards (``marketplace.hooks``):
``<app>/exchange_1c.py`` gives its ``KIND`` and ``HANDLERS`` (mode → handler), and may add a part to
the 1C section of the Integrations page (``integrations_part``). ``pricing.exchange_1c`` handles
``type=catalog`` (price types → price lists per buyer), ``cabinet.exchange_1c`` ``type=sale``
(orders ↔ CommerceML documents). Modules: ``views`` (the endpoint at ``/exchange/1c/``),
``protocol`` (what handlers share: answers, files, the history line), ``services`` (the history),
``selectors`` and ``tables`` (its table on the Integrations page).
"""
