package evtx

// How the path of a value in a record's BinXML ("Event/EventData/Data[Name=X]")
// names an Event field.

import "strings"

// dataField returns the data field name of the value and whether it is a
// data field at all (pathDataField of its path).
func (pv *bxPathValue) dataField() (string, bool) {
	if pv.info != nil {
		return pv.info.field, pv.info.data
	}
	return pathDataField(pv.Path)
}

// pathDataField returns the field name of a BinXML value path and whether a value
// at that path is event data: under EventData or UserData (pathFieldName)
// and not a namespace declaration.
func pathDataField(path string) (string, bool) {
	name, ok := pathFieldName(path)
	if !ok {
		return "", false
	}
	if attr, ok := pathAttrName(path); ok && isNamespaceDecl(attr) {
		return "", false
	}
	return name, true
}

// EventDataNameKey is the field name of the Name attribute of <EventData>
// itself, which classic providers set to the event's symbolic name
// (<EventData Name="EVENT_HIVE_LEAK">). It holds "@", which no other field
// name this package derives holds (attributes of nested elements are joined
// with "/"), and no Data Name of a Windows manifest does.
const EventDataNameKey = "EventData@Name"

// pathAttrName returns the attribute name of a BinXML value path that ends in an
// attribute ("Event/UserData/X@xmlns:auto-ns3" gives "xmlns:auto-ns3"). An
// attribute name holds neither "/" nor "]", so an "@" inside a Data Name
// ("Data[Name=a@b]") is never taken for one.
func pathAttrName(path string) (string, bool) {
	i := strings.LastIndexByte(path, '@')
	if i < 0 || strings.ContainsAny(path[i+1:], "/]") {
		return "", false
	}
	return path[i+1:], true
}

// isNamespaceDecl reports whether an attribute name is a namespace
// declaration (xmlns or xmlns:prefix): markup, never event data.
func isNamespaceDecl(attr string) bool {
	return attr == "xmlns" || strings.HasPrefix(attr, "xmlns:")
}

// pathFieldName turns a BinXML value path under EventData or UserData into a field
// name: "Data[Name=X]" gives X, an unnamed "Data#2" gives "", other
// EventData elements keep their name; an attribute of EventData itself is
// "EventData@" and its name (EventDataNameKey); under UserData the wrapper
// element is dropped and the rest joined with "/" (attributes too).
func pathFieldName(path string) (string, bool) {
	switch {
	case strings.HasPrefix(path, prefixEventDataAttr):
		return path[len("Event/"):], true
	case strings.HasPrefix(path, prefixEventData):
		p := path[len(prefixEventData):]
		if strings.HasPrefix(p, "Data[Name=") && strings.HasSuffix(p, "]") {
			return p[len("Data[Name=") : len(p)-1], true
		}
		if p == "Data" || strings.HasPrefix(p, "Data#") {
			return "", true
		}
		return strings.ReplaceAll(p, "@", "/"), true
	case strings.HasPrefix(path, prefixUserData):
		p := path[len(prefixUserData):]
		if i := strings.IndexAny(p, "/@"); i >= 0 {
			p = p[i+1:]
		}
		return strings.ReplaceAll(p, "@", "/"), true
	}
	return "", false
}
