def migrate(cr, version):
    """The company name similarity now applies to long names only (see matching.names_match):
    the former default of 85% would take distinct companies for one."""
    cr.execute(
        "UPDATE res_company SET channel_name_similarity = 94 WHERE channel_name_similarity = 85"
    )
    # registrations approved before: the vendor chose the opportunity (or none) by hand
    cr.execute(
        """UPDATE crm_channel_registration SET conflict_decision = 'attach'
            WHERE has_conflict AND state IN ('approved', 'won', 'expired')
              AND conflict_decision IS NULL"""
    )
