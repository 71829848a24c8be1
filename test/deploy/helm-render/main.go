// A stand-in for `helm template` where there is no helm binary: Go's text/template with sprig
// (the library Helm uses) and Helm's own functions (include, tpl, toYaml, fromJsonArray,
// required, fail, …), over the chart's values.yaml with one values file merged on top.
// Built from Debian's packages in GOPATH mode (golang-go, golang-github-masterminds-sprig-dev,
// golang-gopkg-yaml.v3-dev); helm-render.test.ts runs it and skips when they are missing.
//
//	go run main.go CHART_DIR [VALUES_FILE]   → the rendered manifests on stdout, or the error on stderr (exit 1)
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helm-render CHART_DIR [VALUES_FILE]")
		os.Exit(2)
	}
	out, err := render(os.Args[1], os.Args[2:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func render(chartDir string, valueFiles []string) (string, error) {
	var chart map[string]interface{}
	if err := readYaml(filepath.Join(chartDir, "Chart.yaml"), &chart); err != nil {
		return "", err
	}
	var values map[string]interface{}
	if err := readYaml(filepath.Join(chartDir, "values.yaml"), &values); err != nil {
		return "", err
	}
	for _, file := range valueFiles {
		var override map[string]interface{}
		if err := readYaml(file, &override); err != nil {
			return "", err
		}
		values = coalesce(values, override)
	}
	names, err := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	root := template.New("chart").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["toYaml"] = toYaml
	funcs["toJson"] = func(v interface{}) string { b, _ := json.Marshal(v); return string(b) }
	funcs["fromJsonArray"] = func(s string) []interface{} {
		var a []interface{}
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			return []interface{}{err.Error()}
		}
		return a
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	root.Funcs(funcs)
	for _, name := range names {
		text, err := os.ReadFile(name)
		if err != nil {
			return "", err
		}
		if _, err := root.New(filepath.Join("portcullis/templates", filepath.Base(name))).Parse(string(text)); err != nil {
			return "", err
		}
	}
	var out strings.Builder
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || !strings.HasSuffix(base, ".yaml") {
			continue
		}
		data := map[string]interface{}{
			"Values":   values,
			"Chart":    map[string]interface{}{"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]},
			"Release":  map[string]interface{}{"Name": "portcullis", "Namespace": "portcullis", "Service": "Helm"},
			"Template": map[string]interface{}{"BasePath": "portcullis/templates", "Name": "portcullis/templates/" + base},
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, "portcullis/templates/"+base, data); err != nil {
			return "", err
		}
		out.WriteString("---\n# Source: portcullis/templates/" + base + "\n")
		out.WriteString(strings.ReplaceAll(buf.String(), "<no value>", ""))
		out.WriteString("\n")
	}
	return out.String(), nil
}

func readYaml(path string, into interface{}) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return yaml.Unmarshal(text, into)
}

// Helm's merge of a values file: maps merge key by key, anything else is replaced, null deletes.
func coalesce(base, override map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range override {
		if v == nil {
			delete(out, k)
			continue
		}
		b, bok := out[k].(map[string]interface{})
		o, ook := v.(map[string]interface{})
		if bok && ook {
			out[k] = coalesce(b, o)
		} else {
			out[k] = v
		}
	}
	return out
}

func toYaml(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
