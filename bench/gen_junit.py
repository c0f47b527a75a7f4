#!/usr/bin/env python3
"""Writes a large JUnit XML report for timing the JUnit parser.

The shape follows what Surefire and pytest write: a <testsuites> root,
suites of about 60 test cases, most passing (one empty element each), and a
few per cent failing, erroring or skipped with the text those runners put
there: a message attribute, a multi-line stack trace (escaped or in CDATA),
captured output, and now and then test case properties or Surefire's
flakyFailure/rerunFailure children. The output is the same for the same
arguments (a fixed seed), so timings can be compared between builds.

Usage: gen_junit.py [--tests N] [--seed S] OUT.xml
The defaults (300,000 tests) give a file of about 100 MB.
"""
import argparse
import random
import sys

FRAMES = [
    "at com.example.{pkg}.{cls}.{meth}({cls}.java:{line})",
    "at org.junit.jupiter.engine.execution.MethodInvocation.proceed"
    "(MethodInvocation.java:60)",
    "at org.junit.platform.engine.support.hierarchical.NodeTestTask"
    ".executeRecursively(NodeTestTask.java:{line})",
    "at java.base/java.util.ArrayList.forEach(ArrayList.java:1511)",
    "at org.apache.maven.surefire.booter.ForkedBooter.main"
    "(ForkedBooter.java:495)",
]
WORDS = ("cart order price stock user session token cache queue retry "
         "invoice refund ledger shipping address discount coupon").split()


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def stack(rnd, pkg, cls, meth, depth):
    lines = [f"org.opentest4j.AssertionFailedError: expected: <{rnd.randint(1, 999)}>"
             f" but was: <{rnd.randint(1, 999)}>"]
    for i in range(depth):
        f = FRAMES[0] if i == 0 else rnd.choice(FRAMES[1:])
        lines.append("\t" + f.format(pkg=pkg, cls=cls, meth=meth,
                                     line=rnd.randint(10, 900)))
    return "\n".join(lines)


def output(rnd, n):
    return "".join(f"{rnd.choice(WORDS)}: {rnd.choice(WORDS)} "
                   f"{rnd.randint(0, 99999)} ms <ok> & done\n"
                   for _ in range(n))


def case_body(rnd, pkg, cls, meth):
    """The children of one test case, or "" for a plain pass."""
    r = rnd.random()
    if r < 0.86:
        return ""
    if r < 0.93:  # a failure with a long stack trace, escaped
        msg = f"expected {rnd.choice(WORDS)} to be {rnd.choice(WORDS)}"
        body = esc(stack(rnd, pkg, cls, meth, rnd.randint(6, 18)))
        out = esc(output(rnd, rnd.randint(1, 8)))
        return (f'<failure message="{esc(msg)}" type="org.opentest4j.'
                f'AssertionFailedError">{body}</failure>\n'
                f"      <system-out>{out}</system-out>\n")
    if r < 0.95:  # an error, in CDATA, with stderr
        body = stack(rnd, pkg, cls, meth, rnd.randint(10, 30))
        err = output(rnd, rnd.randint(1, 6))
        return (f'<error message="connection refused" type="java.net.'
                f'ConnectException"><![CDATA[{body}]]></error>\n'
                f"      <system-err><![CDATA[{err}]]></system-err>\n")
    if r < 0.97:  # a flaky pass, Surefire style
        body = stack(rnd, pkg, cls, meth, rnd.randint(10, 30))
        return ('<flakyFailure message="timed out" type="java.util.'
                'concurrent.TimeoutException">\n'
                f"        <stackTrace><![CDATA[{body}]]></stackTrace>\n"
                f"        <system-out>{esc(output(rnd, 3))}</system-out>\n"
                "      </flakyFailure>\n")
    if r < 0.985:  # properties
        props = "".join(f'<property name="{rnd.choice(WORDS)}" '
                        f'value="{rnd.randint(0, 10**9)}"/>'
                        for _ in range(rnd.randint(1, 5)))
        return f"<properties>{props}</properties>\n"
    return f'<skipped message="disabled: {rnd.choice(WORDS)} not ready"/>\n'


def write(out, tests, rnd):
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              f'<testsuites name="bench" tests="{tests}">\n')
    n = 0
    suite = 0
    while n < tests:
        size = min(tests - n, rnd.randint(30, 90))
        pkg = f"{rnd.choice(WORDS)}.{rnd.choice(WORDS)}"
        cls = f"{rnd.choice(WORDS).title()}{rnd.choice(WORDS).title()}Test"
        out.write(f'  <testsuite name="com.example.{pkg}.{cls}" '
                  f'tests="{size}" time="{rnd.randint(1, 99999) / 1000:,}" '
                  f'timestamp="2026-11-24T05:00:00" hostname="ci-{suite % 7}">'
                  '\n    <properties><property name="java.version" '
                  'value="17.0.9"/></properties>\n')
        for i in range(size):
            meth = f"{rnd.choice(WORDS)}{rnd.choice(WORDS).title()}_{i}"
            attrs = (f'name="{meth}" classname="com.example.{pkg}.{cls}" '
                     f'time="{rnd.random() * 2:.3f}" file="src/test/java/'
                     f'com/example/{cls}.java" line="{rnd.randint(10, 900)}"')
            body = case_body(rnd, pkg, cls, meth)
            if body:
                out.write(f"    <testcase {attrs}>\n      {body}"
                          "    </testcase>\n")
            else:
                out.write(f"    <testcase {attrs}/>\n")
        out.write("  </testsuite>\n")
        n += size
        suite += 1
    out.write("</testsuites>\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", type=int, default=300000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    a = ap.parse_args()
    with open(a.out, "w", encoding="utf-8", buffering=1 << 20) as out:
        write(out, a.tests, random.Random(a.seed))
        size = out.tell()
    print(f"{a.out}: {a.tests} test cases, {size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
