package agentcore

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Structural rules shared by Decode and every Validate: required members
// (tag `agentcore:"required"`, the "*" of §6/§7), unions with exactly one
// member (§1.2), and enum values (§7.6). They are declared on the types
// once and checked by reflection, so a rule cannot be present in one path
// and forgotten in the other.

// union is implemented by the struct types that model Smithy unions: a JSON
// object with exactly one key (§1.2).
type union interface{ isUnion() }

// opaqueUnion is implemented by unions kept as raw JSON; it lists the
// allowed member names.
type opaqueUnion interface{ unionMembers() []string }

// enum is implemented by every enum type (Values lists the wire values).
type enum interface{ Values() []string }

var (
	unionType       = reflect.TypeFor[union]()
	opaqueUnionType = reflect.TypeFor[opaqueUnion]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	marshalerType   = reflect.TypeFor[json.Marshaler]()
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
)

type fieldInfo struct {
	name     string // JSON member name
	index    int
	required bool
}

type structInfo struct {
	fields []fieldInfo
	byName map[string]int // JSON name -> position in fields
	union  bool
}

var infoCache sync.Map // reflect.Type -> *structInfo

func infoOf(t reflect.Type) *structInfo {
	if v, ok := infoCache.Load(t); ok {
		return v.(*structInfo)
	}
	info := &structInfo{byName: map[string]int{}, union: t.Implements(unionType)}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "" || name == "-" {
			continue
		}
		info.byName[name] = len(info.fields)
		info.fields = append(info.fields, fieldInfo{
			name:     name,
			index:    i,
			required: slices.Contains(strings.Split(sf.Tag.Get("agentcore"), ","), "required"),
		})
	}
	v, _ := infoCache.LoadOrStore(t, info)
	return v.(*structInfo)
}

// checkStructure walks a decoded or hand-built value and reports missing
// required members, unions without exactly one member and unknown enum
// values. Map entries are visited in key order so the result is
// deterministic.
func checkStructure(p path, v reflect.Value, fe *fieldErrors) {
	t := v.Type()
	switch {
	case t == rawMessageType:
		return
	case t.Implements(opaqueUnionType):
		if v.Len() > 0 {
			checkOpaqueUnion(p, v.Bytes(), v.Interface().(opaqueUnion).unionMembers(), fe)
		}
		return
	case t.Kind() == reflect.Struct && t.Implements(marshalerType):
		return // DateTime, EpochSeconds: leaves
	}

	switch t.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			checkStructure(p, v.Elem(), fe)
		}
	case reflect.Struct:
		info := infoOf(t)
		if info.union {
			var set []string
			for _, f := range info.fields {
				if isSet(v.Field(f.index)) {
					set = append(set, f.name)
				}
			}
			if len(set) != 1 {
				fe.add(p, "%s", unionMessage(info.memberNames(), set))
			}
		}
		for _, f := range info.fields {
			fv := v.Field(f.index)
			if !isSet(fv) {
				if f.required {
					fe.add(p.key(f.name), "is required")
				}
				continue
			}
			checkStructure(p.key(f.name), fv, fe)
		}
	case reflect.Slice:
		for i := range v.Len() {
			checkStructure(p.idx(i), v.Index(i), fe)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			checkStructure(p.mapKey(k.String()), v.MapIndex(k), fe)
		}
	case reflect.String:
		if e, ok := v.Interface().(enum); ok && v.Len() > 0 && !contains(e.Values(), v.String()) {
			fe.add(p, "%s", enumMessage(e))
		}
	}
}

func (info *structInfo) memberNames() []string {
	names := make([]string, len(info.fields))
	for i, f := range info.fields {
		names[i] = f.name
	}
	return names
}

// isSet reports whether a member counts as present: non-nil for pointers,
// slices and maps (so an explicit [] or {} is present), non-empty for
// strings (enums) and raw JSON.
func isSet(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map:
		return !v.IsNil()
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Len() > 0
		}
		return !v.IsNil()
	case reflect.String:
		return v.Len() > 0
	default:
		return !v.IsZero()
	}
}

func checkOpaqueUnion(p path, raw []byte, members []string, fe *fieldErrors) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		fe.add(p, "expected object, got %s", jsonKind(raw))
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var set []string
	for _, k := range keys {
		switch {
		case !contains(members, k):
			fe.add(p.key(k), "unknown field %s", quoteJSON(k))
		case string(m[k]) != "null":
			set = append(set, k)
		}
	}
	if len(set) != 1 {
		fe.add(p, "%s", unionMessage(members, set))
	}
}

func unionMessage(members, set []string) string {
	msg := "must set exactly one of [" + strings.Join(members, ", ") + "], got "
	if len(set) == 0 {
		return msg + "none"
	}
	return msg + strings.Join(set, " and ")
}

func enumMessage(e enum) string {
	return "must be one of [" + strings.Join(e.Values(), ", ") + "]"
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }
