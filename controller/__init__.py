"""The street controller: receive → verify → alarm → siren, strobe, SMS, hub reports."""
