package postgres

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// AuditKey is one secret the audit trail's entries are authenticated with.
// The database never holds it: an entry stores only the key's ID.
type AuditKey struct {
	ID     string
	Secret []byte
}

// AuditKeys is a key set: the first key signs new entries, every key
// verifies, so keys rotate by putting a new key first and keeping the old
// ones for as long as their entries are kept.
type AuditKeys struct {
	keys []AuditKey
}

// minAuditSecret is the shortest secret accepted (bytes of the text given).
const minAuditSecret = 32

// ParseAuditKeys reads a key set written as `ID:SECRET` items separated by
// commas or new lines (blank lines and lines starting with # are skipped).
// The secret's bytes, as written, are the HMAC key; it must be at least 32
// characters. The first key signs.
func ParseAuditKeys(text string) (*AuditKeys, error) {
	ks := &AuditKeys{}
	seen := map[string]bool{}
	var items []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			items = append(items, strings.Split(line, ",")...)
		}
	}
	for _, line := range items {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		id, secret, ok := strings.Cut(line, ":")
		id, secret = strings.TrimSpace(id), strings.TrimSpace(secret)
		switch {
		case !ok || id == "":
			return nil, errors.New("an audit key is not written as ID:SECRET")
		case strings.ContainsAny(id, " \t"):
			return nil, fmt.Errorf("audit key ID %q contains a space", id)
		case len(secret) < minAuditSecret:
			return nil, fmt.Errorf("audit key %q is shorter than %d characters", id, minAuditSecret)
		case seen[id]:
			return nil, fmt.Errorf("audit key ID %q is given twice", id)
		}
		seen[id] = true
		ks.keys = append(ks.keys, AuditKey{ID: id, Secret: []byte(secret)})
	}
	if len(ks.keys) == 0 {
		return nil, errors.New("no audit key given")
	}
	return ks, nil
}

// NewAuditKeys builds a key set from keys, the first signing.
func NewAuditKeys(keys ...AuditKey) *AuditKeys {
	return &AuditKeys{keys: append([]AuditKey{}, keys...)}
}

// LoadAuditKeyFile reads a key set from a file in ParseAuditKeys' format.
func LoadAuditKeyFile(path string) (*AuditKeys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read audit key file: %w", err)
	}
	ks, err := ParseAuditKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("audit key file %s: %w", path, err)
	}
	return ks, nil
}

// EnsureAuditKeyFile loads the key file at path, or creates it (mode 0600)
// with one new random key when it does not exist. created reports which.
func EnsureAuditKeyFile(path string, now time.Time) (ks *AuditKeys, created bool, err error) {
	ks, err = LoadAuditKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return ks, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, false, fmt.Errorf("create audit key file: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, err
	}
	key := AuditKey{ID: now.UTC().Format("20060102") + "-" + hex.EncodeToString(secret[:3]), Secret: []byte(hex.EncodeToString(secret))}
	text := "# scpo audit trail keys: ID:SECRET, the first signs, all verify. Keep a copy apart from the database.\n" +
		key.ID + ":" + string(key.Secret) + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // made by a process starting beside us
			ks, err = LoadAuditKeyFile(path)
			return ks, false, err
		}
		return nil, false, fmt.Errorf("create audit key file: %w", err)
	}
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("write audit key file: %w", err)
	}
	return NewAuditKeys(key), true, nil
}

// Signing is the key new entries are authenticated with.
func (k *AuditKeys) Signing() AuditKey { return k.keys[0] }

// Lookup finds a key by ID.
func (k *AuditKeys) Lookup(id string) (AuditKey, bool) {
	for _, key := range k.keys {
		if key.ID == id {
			return key, true
		}
	}
	return AuditKey{}, false
}

// IDs lists the keys' IDs, the signing key first.
func (k *AuditKeys) IDs() []string {
	ids := make([]string, len(k.keys))
	for i, key := range k.keys {
		ids[i] = key.ID
	}
	return ids
}

// processAuditKeys signs for a store opened without a key set (tests and
// tools): a random key that lives as long as the process, so its entries
// verify only inside it. The service always configures its own keys.
var processAuditKeys = func() *AuditKeys {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(err)
	}
	return NewAuditKeys(AuditKey{ID: "process-" + hex.EncodeToString(secret[:4]), Secret: secret})
}()

// entryMAC authenticates one keyed entry: its number, the key's ID, the
// hash of the entry before it and its canonical contents.
func entryMAC(key AuditKey, id int64, prev, canonical []byte) []byte {
	m := hmac.New(sha256.New, key.Secret)
	m.Write([]byte("scpo-audit-v2\x00"))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(id))
	m.Write(n[:])
	m.Write([]byte(key.ID))
	m.Write([]byte{0})
	m.Write(prev)
	m.Write(canonical)
	return m.Sum(nil)
}
