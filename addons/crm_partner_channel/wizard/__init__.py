from . import crm_channel_registration_approve
