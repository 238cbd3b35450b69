/**
 * A minimal DER reader for the few bytes the lint must see exactly as encoded (the validity times'
 * tags and text, the names' and key's octets): ASN.1 libraries decode these and lose what the rules
 * check.
 */
// @ts-nocheck


/** One DER element: its tag byte and where it and its content lie in the buffer it was read from. */function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() {
    return ns;
  }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryCov_9fa48() {
  var ns = stryNS_9fa48();
  var cov = ns.mutantCoverage || (ns.mutantCoverage = {
    static: {},
    perTest: {}
  });
  function cover() {
    var c = cov.static;
    if (ns.currentTestId) {
      c = cov.perTest[ns.currentTestId] = cov.perTest[ns.currentTestId] || {};
    }
    var a = arguments;
    for (var i = 0; i < a.length; i++) {
      c[a[i]] = (c[a[i]] || 0) + 1;
    }
  }
  stryCov_9fa48 = cover;
  cover.apply(null, arguments);
}
function stryMutAct_9fa48(id) {
  var ns = stryNS_9fa48();
  function isActive(id) {
    if (ns.activeMutant === id) {
      if (ns.hitCount !== void 0 && ++ns.hitCount > ns.hitLimit) {
        throw new Error('Stryker: Hit count limit reached (' + ns.hitCount + ')');
      }
      return true;
    }
    return false;
  }
  stryMutAct_9fa48 = isActive;
  return isActive(id);
}
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the element at `offset`; throws a RangeError on a truncated or indefinite-length element. */
export function readElement(bytes: Uint8Array, offset: number): DerElement {
  if (stryMutAct_9fa48("0")) {
    {}
  } else {
    stryCov_9fa48("0");
    // A missing tag or length octet makes the length NaN, which the end check below refuses.
    const tag = stryMutAct_9fa48("1") ? bytes[offset] && 0 : (stryCov_9fa48("1"), bytes[offset] ?? 0);
    const first = stryMutAct_9fa48("2") ? bytes[offset + 1] && Number.NaN : (stryCov_9fa48("2"), bytes[stryMutAct_9fa48("3") ? offset - 1 : (stryCov_9fa48("3"), offset + 1)] ?? Number.NaN);
    let length = first;
    let contentStart = stryMutAct_9fa48("4") ? offset - 2 : (stryCov_9fa48("4"), offset + 2);
    if (stryMutAct_9fa48("8") ? first <= 0x7f : stryMutAct_9fa48("7") ? first >= 0x7f : stryMutAct_9fa48("6") ? false : stryMutAct_9fa48("5") ? true : (stryCov_9fa48("5", "6", "7", "8"), first > 0x7f)) {
      if (stryMutAct_9fa48("9")) {
        {}
      } else {
        stryCov_9fa48("9");
        // X.690 §8.1.3.5: long form, the low bits count the length octets (0x80 is BER's indefinite form).
        const octets = first & 0x7f;
        if (stryMutAct_9fa48("12") ? octets === 0 && octets > 4 : stryMutAct_9fa48("11") ? false : stryMutAct_9fa48("10") ? true : (stryCov_9fa48("10", "11", "12"), (stryMutAct_9fa48("14") ? octets !== 0 : stryMutAct_9fa48("13") ? false : (stryCov_9fa48("13", "14"), octets === 0)) || (stryMutAct_9fa48("17") ? octets <= 4 : stryMutAct_9fa48("16") ? octets >= 4 : stryMutAct_9fa48("15") ? false : (stryCov_9fa48("15", "16", "17"), octets > 4)))) throw new RangeError(stryMutAct_9fa48("19") ? "" : (stryCov_9fa48("19"), 'DER length form not supported'));
        length = 0;
        for (let index = 0; stryMutAct_9fa48("22") ? index >= octets : stryMutAct_9fa48("21") ? index <= octets : stryMutAct_9fa48("20") ? false : (stryCov_9fa48("20", "21", "22"), index < octets); stryMutAct_9fa48("23") ? index-- : (stryCov_9fa48("23"), index++)) length = stryMutAct_9fa48("24") ? length * 256 - (bytes[contentStart + index] ?? Number.NaN) : (stryCov_9fa48("24"), (stryMutAct_9fa48("25") ? length / 256 : (stryCov_9fa48("25"), length * 256)) + (stryMutAct_9fa48("26") ? bytes[contentStart + index] && Number.NaN : (stryCov_9fa48("26"), bytes[stryMutAct_9fa48("27") ? contentStart - index : (stryCov_9fa48("27"), contentStart + index)] ?? Number.NaN)));
        stryMutAct_9fa48("28") ? contentStart -= octets : (stryCov_9fa48("28"), contentStart += octets);
      }
    }
    const end = stryMutAct_9fa48("29") ? contentStart - length : (stryCov_9fa48("29"), contentStart + length);
    if (stryMutAct_9fa48("32") ? false : stryMutAct_9fa48("31") ? true : stryMutAct_9fa48("30") ? end <= bytes.length : (stryCov_9fa48("30", "31", "32"), !(stryMutAct_9fa48("36") ? end > bytes.length : stryMutAct_9fa48("35") ? end < bytes.length : stryMutAct_9fa48("34") ? false : stryMutAct_9fa48("33") ? true : (stryCov_9fa48("33", "34", "35", "36"), end <= bytes.length)))) throw new RangeError(stryMutAct_9fa48("38") ? "" : (stryCov_9fa48("38"), 'DER element truncated'));
    return stryMutAct_9fa48("39") ? {} : (stryCov_9fa48("39"), {
      tag,
      start: offset,
      contentStart,
      end
    });
  }
}

/** The elements directly inside a constructed element. */
export function childrenOf(bytes: Uint8Array, parent: DerElement): readonly DerElement[] {
  if (stryMutAct_9fa48("40")) {
    {}
  } else {
    stryCov_9fa48("40");
    const children: DerElement[] = stryMutAct_9fa48("41") ? ["Stryker was here"] : (stryCov_9fa48("41"), []);
    let offset = parent.contentStart;
    while (stryMutAct_9fa48("44") ? offset >= parent.end : stryMutAct_9fa48("43") ? offset <= parent.end : stryMutAct_9fa48("42") ? false : (stryCov_9fa48("42", "43", "44"), offset < parent.end)) {
      if (stryMutAct_9fa48("45")) {
        {}
      } else {
        stryCov_9fa48("45");
        const child = readElement(bytes, offset);
        if (stryMutAct_9fa48("46")) {
          ;
        } else {
          stryCov_9fa48("46");
          children.push(child);
        }
        offset = child.end;
      }
    }
    return children;
  }
}

/** The `index`th element inside `parent`; throws a RangeError when there is none. */
export function childAt(bytes: Uint8Array, parent: DerElement, index: number): DerElement {
  if (stryMutAct_9fa48("47")) {
    {}
  } else {
    stryCov_9fa48("47");
    const child = childrenOf(bytes, parent)[index];
    if (stryMutAct_9fa48("50") ? child !== undefined : stryMutAct_9fa48("49") ? false : stryMutAct_9fa48("48") ? true : (stryCov_9fa48("48", "49", "50"), child === undefined)) throw new RangeError(stryMutAct_9fa48("52") ? `` : (stryCov_9fa48("52"), `DER element has no child ${index}`));
    return child;
  }
}