"""The WeChat sandbox: WeChat's API for messaging to call, and citizens who message the account.

- `server.py`: the API endpoints (token, custom/template messages, user info, OAuth2) recording every call,
  and the phone page where a person chats with the account as a citizen.
- `citizen.py`: a citizen driver that sends callbacks to the gateway exactly as WeChat does.
"""
