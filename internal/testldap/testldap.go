// Package testldap starts a real LDAP server (Debian's slapd) for tests: on a free loopback port, with an empty
// directory under dc=corp,dc=example whose manager is cn=admin,dc=corp,dc=example (password Password), and Active
// Directory's sAMAccountName and userAccountControl attributes (in an auxiliary class adUser) added to its schema.
package testldap

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/internal/testdaemon"
)

// The directory's base, manager and manager's password.
const (
	BaseDN   = "dc=corp,dc=example"
	AdminDN  = "cn=admin,dc=corp,dc=example"
	Password = "ldap-secret"
)

const adSchema = `attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
	EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
	EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.1.1 NAME 'adUser' SUP top AUXILIARY
	MAY ( sAMAccountName $ userAccountControl ) )
`

// Start runs slapd and returns its ldap:// URL, skipping when slapd is not installed (failing under CI=true,
// whose script installs it).
func Start(t *testing.T) string {
	t.Helper()
	bin := testdaemon.Find(t, "slapd", "slapd", "/usr/sbin/slapd")
	port := testdaemon.FreePort(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	os.MkdirAll(db, 0o700)
	os.WriteFile(filepath.Join(dir, "ad.schema"), []byte(adSchema), 0o644)
	conf := filepath.Join(dir, "slapd.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include %s/ad.schema
pidfile %s/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "%s"
rootdn "%s"
rootpw %s
directory %s
`, dir, dir, BaseDN, AdminDN, Password, db)), 0o600)
	url := fmt.Sprintf("ldap://127.0.0.1:%d", port)
	cmd := exec.Command(bin, "-f", conf, "-h", url+"/", "-d", "0")
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	testdaemon.Start(t, cmd, fmt.Sprintf("127.0.0.1:%d", port))
	return url
}
