// The X.509 v3 extensions (RFC 5280 §4.2, §5.2) of natively signed structures: interception
// leaves and CRLs. @peculiar/asn1-x509 holds each extension's ASN.1 schema and encodes it.
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier, BasicConstraints, CRLNumber, ExtendedKeyUsage, Extension, GeneralName, KeyIdentifier, KeyUsage,
  SubjectAlternativeName, id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_cRLNumber,
  id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import type { AltName } from './names.ts';

function extension(extnID: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** An end entity's: `cA` FALSE (the default, so an empty SEQUENCE), critical as RFC 5280 §4.2.1.9 advises. */
export function endEntityConstraints(): Extension {
  return extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false }));
}

/** `usages`: asn1-x509's KeyUsageFlags or'ed together. */
export function keyUsage(usages: number): Extension {
  return extension(id_ce_keyUsage, true, new KeyUsage(usages));
}

export function extendedKeyUsage(...purposes: readonly string[]): Extension {
  return extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([...purposes]));
}

export function subjectAltName(names: readonly AltName[]): Extension {
  const general = names.map((name) => new GeneralName(
    'dns' in name ? { dNSName: name.dns } : 'uri' in name ? { uniformResourceIdentifier: name.uri } : { iPAddress: name.ip }));
  return extension(id_ce_subjectAltName, false, new SubjectAlternativeName(general));
}

/** Echoes the issuing CA's SubjectKeyIdentifier, so that chain building picks the right CA key (§4.2.1.1). */
export function authorityKeyIdentifier(keyId: Uint8Array): Extension {
  return extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) }));
}

export function crlNumber(value: number): Extension {
  return extension(id_ce_cRLNumber, false, new CRLNumber(value));
}
