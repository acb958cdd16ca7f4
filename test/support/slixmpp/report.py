# What slixmpp 1.8.3 makes of the service's stanzas, as plain JSON values: every value here is read through
# slixmpp's own stanza interfaces (Error, PubsubErrorCondition, DiscoInfo, Form, EventItem, Geoloc), so a test
# checks what a slixmpp application would see, not a re-parse of the XML.
from slixmpp.plugins.xep_0080 import Geoloc

NS_GEOLOC = Geoloc.namespace
NS_CLIENT = "jabber:client"


def error_value(err):
    """An <error/> as slixmpp reports it: RFC 6120 condition, type, text; XEP-0060 §14.2 condition and feature."""
    return {
        "type": err["type"],
        "condition": err["condition"],
        "text": err["text"],
        "app": err["pubsub"]["condition"],
        "feature": err["pubsub"]["unsupported"],
    }


def disco_value(info):
    """disco#info: identities, features and the XEP-0128 extended forms (XEP-0060 §5.4 meta-data)."""
    forms = {}
    for form in info["substanzas"]:
        if form.name == "x":
            values = form.get_values()
            form_type = values.pop("FORM_TYPE", None)  # a hidden field: slixmpp gives a list of its values
            forms[form_type[0] if isinstance(form_type, list) else form_type or ""] = values
    return {
        "node": info["node"],
        "identities": sorted([c, t, n] for c, t, _lang, n in info["identities"]),
        "features": sorted(info["features"]),
        "forms": forms,
    }


def geoloc_value(geoloc):
    """The fields a map needs, as slixmpp's Geoloc reads them (lat/lon are floats, accuracy an int)."""
    out = {"lat": geoloc["lat"], "lon": geoloc["lon"], "accuracy": geoloc["accuracy"], "text": geoloc["text"]}
    out["timestamp"] = geoloc._get_sub_text("timestamp")  # 1.8.3: get_timestamp returns a datetime, keep the text
    out["empty"] = len(geoloc.xml) == 0  # XEP-0080 §4.1: stopped sharing
    return out


def payload_value(payload):
    """An item payload: a <geoloc/> through slixmpp's Geoloc stanza, a <presence/> by its type."""
    if payload is None:
        return None
    if payload.tag == "{%s}geoloc" % NS_GEOLOC:
        return {"geoloc": geoloc_value(Geoloc(xml=payload))}
    if payload.tag == "{%s}presence" % NS_CLIENT:
        return {"presence": payload.get("type", "available"), "from": payload.get("from")}
    return {"tag": payload.tag}


def event_item_value(item):
    """An event <item/>: EventItem has a `publisher` interface (XEP-0060 §7.1.2.3)."""
    if item.name == "retract":
        return {"retract": item["id"]}
    return {"id": item["id"], "publisher": item["publisher"], **(payload_value(item["payload"]) or {})}


def result_item_value(item):
    """An items-result <item/>: 1.8.3's pubsub Item has no `publisher` interface, so it is read from its XML."""
    return {"id": item["id"], "publisher": item.xml.get("publisher"), **(payload_value(item["payload"]) or {})}


def event_value(msg):
    """A pubsub event message with every <item/> and <retract/> of its <items/>, in order."""
    items = msg["pubsub_event"]["items"]
    return {
        "from": str(msg["from"]),
        "type": msg["type"],
        "node": items["node"],
        "items": [event_item_value(i) for i in items],
    }
