package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"scpo/domain"
)

// publicRoutes are served outside the authenticated group (see New).
var publicRoutes = []string{
	"GET /healthz",
	"GET /readyz",
	"GET /metrics",
	"GET /api/v1/openapi.json",
	"GET /calendar/{secret}.ics",
}

// operationMethods are the path item keys that name operations; the others
// (parameters, summary, servers, ...) are skipped.
var operationMethods = map[string]string{
	"get": http.MethodGet, "put": http.MethodPut, "post": http.MethodPost, "delete": http.MethodDelete,
	"options": http.MethodOptions, "head": http.MethodHead, "patch": http.MethodPatch, "trace": http.MethodTrace,
}

var echoParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// openapiPath turns an echo path (/orders/:id) into an OpenAPI one (/orders/{id}).
func openapiPath(echoPath string) string {
	return echoParam.ReplaceAllString(echoPath, "{$1}")
}

type document struct {
	raw        map[string]any
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Security   []map[string][]string                 `json:"security"`
	Components struct {
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type operation struct {
	OperationID string                     `json:"operationId"`
	Summary     string                     `json:"summary"`
	Security    *[]map[string][]string     `json:"security"`
	Parameters  []map[string]any           `json:"parameters"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

func loadDocument(t *testing.T) document {
	t.Helper()
	if !json.Valid(openapiDoc) {
		t.Fatal("api/openapi.json is not valid JSON")
	}
	var doc document
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatalf("api/openapi.json: %v", err)
	}
	if err := json.Unmarshal(openapiDoc, &doc.raw); err != nil {
		t.Fatalf("api/openapi.json: %v", err)
	}
	return doc
}

// operations returns the document's operations keyed "METHOD /path".
func (d document) operations(t *testing.T) map[string]operation {
	t.Helper()
	ops := map[string]operation{}
	for path, item := range d.Paths {
		for key, raw := range item {
			method, ok := operationMethods[key]
			if !ok {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[method+" "+path] = op
		}
	}
	return ops
}

// served is every "METHOD /path" the server has, in OpenAPI form.
func served() map[string]bool {
	out := map[string]bool{}
	for _, r := range routes(&Server{}) {
		out[r.method+" "+openapiPath(r.path)] = true
	}
	for _, r := range publicRoutes {
		out[r] = true
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := loadDocument(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi is %q, want a 3.x version", doc.OpenAPI)
	}
	if len(doc.Paths) == 0 {
		t.Error("the document has no paths")
	}

	// Every $ref is local and resolves to a defined component.
	var refs []string
	collectRefs(doc.raw, &refs)
	if len(refs) == 0 {
		t.Error("the document has no $ref at all; components are expected")
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "#/components/") {
			t.Errorf("$ref %q does not point into #/components", ref)
			continue
		}
		if _, ok := resolve(doc.raw, ref); !ok {
			t.Errorf("$ref %q resolves to nothing", ref)
		}
	}

	// Every operation has a unique operationId, a summary and responses.
	seen := map[string]string{}
	ops := doc.operations(t)
	for _, key := range sortedKeys(ops) {
		op := ops[key]
		if op.OperationID == "" {
			t.Errorf("%s has no operationId", key)
		} else if prev, dup := seen[op.OperationID]; dup {
			t.Errorf("operationId %q is used by both %s and %s", op.OperationID, prev, key)
		}
		seen[op.OperationID] = key
		if op.Summary == "" {
			t.Errorf("%s has no summary", key)
		}
		if len(op.Responses) == 0 {
			t.Errorf("%s documents no responses", key)
		}
	}
}

// collectRefs appends every "$ref" string value found anywhere in v.
func collectRefs(v any, refs *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				*refs = append(*refs, s)
				continue
			}
			collectRefs(x, refs)
		}
	case []any:
		for _, x := range v {
			collectRefs(x, refs)
		}
	}
}

// resolve follows a local JSON pointer such as #/components/schemas/Order.
func resolve(root any, ref string) (any, bool) {
	cur := root
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func TestOpenAPIListsExactlyTheServedRoutes(t *testing.T) {
	doc := loadDocument(t)
	documented := doc.operations(t)
	server := served()
	for _, key := range sortedKeys(server) {
		if _, ok := documented[key]; !ok {
			t.Errorf("route %s is served but missing from api/openapi.json", key)
		}
	}
	for _, key := range sortedKeys(documented) {
		if !server[key] {
			t.Errorf("api/openapi.json documents %s, which the server does not have", key)
		}
	}
}

func TestOpenAPIPathParametersAreDeclared(t *testing.T) {
	doc := loadDocument(t)
	template := regexp.MustCompile(`\{([^}]+)\}`)
	for _, path := range sortedKeys(doc.Paths) {
		item := doc.Paths[path]
		var want []string
		for _, m := range template.FindAllStringSubmatch(path, -1) {
			want = append(want, m[1])
		}
		sort.Strings(want)

		var shared []map[string]any
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		for _, key := range sortedKeys(item) {
			method, ok := operationMethods[key]
			if !ok {
				continue
			}
			var op operation
			if err := json.Unmarshal(item[key], &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			var got []string
			for _, p := range append(slices.Clone(shared), op.Parameters...) {
				p = deref(t, doc, p)
				if p["in"] == "path" {
					name, _ := p["name"].(string)
					got = append(got, name)
					if p["required"] != true {
						t.Errorf("%s %s: path parameter %q is not marked required", method, path, name)
					}
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s declares path parameters %v, the path has %v", method, path, got, want)
			}
		}
	}
}

// deref replaces a {"$ref": ...} parameter with what it points to.
func deref(t *testing.T, doc document, p map[string]any) map[string]any {
	t.Helper()
	ref, ok := p["$ref"].(string)
	if !ok {
		return p
	}
	v, ok := resolve(doc.raw, ref)
	m, isMap := v.(map[string]any)
	if !ok || !isMap {
		t.Fatalf("parameter $ref %q does not resolve to an object", ref)
	}
	return m
}

func TestOpenAPIDocumentsAuthentication(t *testing.T) {
	doc := loadDocument(t)
	if len(doc.Security) == 0 {
		t.Fatal("the document has no global security requirement")
	}
	for _, req := range doc.Security {
		for name := range req {
			if _, ok := doc.Components.SecuritySchemes[name]; !ok {
				t.Errorf("global security names scheme %q, which components.securitySchemes lacks", name)
			}
		}
	}
	ops := doc.operations(t)
	for _, key := range sortedKeys(ops) {
		op := ops[key]
		public := slices.Contains(publicRoutes, key)
		switch {
		case public && (op.Security == nil || len(*op.Security) != 0):
			t.Errorf("%s needs no token, so it should set security: []", key)
		case !public && op.Security != nil && len(*op.Security) == 0:
			t.Errorf("%s needs a token but its security is []", key)
		case !public:
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s needs a token but does not document 401", key)
			}
		}
	}
	// A route restricted to some roles can be refused with 403.
	for _, r := range routes(&Server{}) {
		key := r.method + " " + openapiPath(r.path)
		op, ok := ops[key]
		if !ok || len(permissions[r.method+" "+r.path]) == 0 {
			continue
		}
		if _, ok := op.Responses["403"]; !ok {
			t.Errorf("%s is limited to roles %v but does not document 403", key, permissions[r.method+" "+r.path])
		}
	}
}

func TestPermissionsMatchRoutes(t *testing.T) {
	routed := map[string]bool{}
	for _, r := range routes(&Server{}) {
		key := r.method + " " + r.path
		if routed[key] {
			t.Errorf("route %s is listed twice in routes", key)
		}
		routed[key] = true
		if _, ok := permissions[key]; !ok {
			t.Errorf("route %s has no entry in permissions, so authorise refuses it", key)
		}
	}
	for _, key := range sortedKeys(permissions) {
		if !routed[key] {
			t.Errorf("permissions has an entry for %s, which is not a route", key)
		}
	}
}

// The agenda's sections, as the document names them, are
// domain.TaskingSections in their order: the section parameter's values and
// the report's sections.
func TestOpenAPITaskingSectionsAreTheDomains(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Required []string `json:"required"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var get struct {
		Parameters []struct {
			Name   string `json:"name"`
			Schema struct {
				Enum []string `json:"enum"`
			} `json:"schema"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(doc.Paths["/api/v1/reports/tasking"]["get"], &get); err != nil {
		t.Fatal(err)
	}
	var param []string
	for _, p := range get.Parameters {
		if p.Name == "section" {
			param = p.Schema.Enum
		}
	}
	if !slices.Equal(param, domain.TaskingSections) {
		t.Errorf("section parameter values %v, want %v", param, domain.TaskingSections)
	}
	if got := doc.Components.Schemas["TaskingReport"].Properties["sections"].Required; !slices.Equal(got, domain.TaskingSections) {
		t.Errorf("TaskingReport sections %v, want %v", got, domain.TaskingSections)
	}
}
