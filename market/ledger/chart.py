"""The chart of accounts: stable keys and their French account numbers (PCG).

| key              | number | why                                                      |
|------------------|--------|----------------------------------------------------------|
| household:<id>   | 411    | clients; one auxiliary account per household (H00042)    |
| producer:<id>    | 467    | funds collected for producers; auxiliary P00007          |
| contract:<id>    | 4191   | advances on a prepaid subscription (S00012): what the    |
|                  |        | household paid for its season, less what was delivered   |
| hub:commission   | 706    | prestations de services: the commission, excluding VAT   |
| hub:vat          | 44571  | TVA collectée, on the commission                         |
| hub:adjustments  | 658    | charges diverses: adjustments in a party's favour        |
| hub:gains        | 758    | produits divers: adjustments in the hub's favour         |
| cash:bank        | 512    | the hub's bank account (transfers in and out, payouts)   |
| cash:till        | 530    | the till: cash taken at pickup                           |
| cash:cheque      | 5112   | chèques à encaisser, until they are paid in              |
| cash:stripe      | 511    | valeurs à l'encaissement: card payments held by Stripe   |
| cash:card        | 5115   | card-terminal payments taken at pickup, until settled    |

A household's debit balance is what it owes; a credit balance is its prepaid credit.
A producer's credit balance is what the hub owes it.
A contract's credit balance is paid for deliveries still to come; a debit balance, deliveries
made beyond what was paid.
"""

FIXED = {
    "hub:commission": ("hub", "706", "Commissions"),
    "hub:vat": ("hub", "44571", "TVA collectée"),
    "hub:adjustments": ("hub", "658", "Ajustements"),
    "hub:gains": ("hub", "758", "Ajustements en faveur du marché"),
    "cash:bank": ("cash", "512", "Banque"),
    "cash:till": ("cash", "530", "Caisse"),
    "cash:cheque": ("cash", "5112", "Chèques à encaisser"),
    "cash:stripe": ("cash", "511", "Paiements par carte (Stripe)"),
    "cash:card": ("cash", "5115", "Cartes bancaires à encaisser"),
}

# How money comes in or goes out, and the account it passes through.
PAYMENT_METHODS = {
    "cash": "cash:till",
    "cheque": "cash:cheque",
    "transfer": "cash:bank",
    "stripe": "cash:stripe",
    "card": "cash:card",
}


def fixed_label(key: str) -> str:
    """The name of one of the hub's own accounts or of a prepaid contract's, else the key."""
    if key in FIXED:
        return FIXED[key][2]
    kind, _, raw_id = key.partition(":")
    if kind == "contract" and raw_id.isdigit():
        return f"Contrat S{int(raw_id):05d}"
    return key
