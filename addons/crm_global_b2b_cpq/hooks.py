def post_init_hook(env):
    """Deals already quoted in another currency than theirs follow their documents (see
    ``crm.lead._deal_currency_align_with_orders``)."""
    env["crm.lead"]._deal_currency_align_with_orders()
