#!/usr/bin/env python3
"""Writes stacfed's demo catalog: a few hundred synthetic records in the shapes that ESGF-NG,
the Copernicus Data Space, the DestinE Data Lake and DKRZ publish.

Every value is invented here (identifiers, checksums, sizes, paths); only the public host names
are real, so that the records look like what the crawlers harvest. The output is deterministic:
running the script again rewrites the same bytes. One NDJSON file per provider, each with its
collections first and then their items, harvested by deploy/demo/load.py (what deploy/run.sh
does), or loaded as they are with `stacfed load deploy/demo/*.ndjson` (then without the
site-access annotations a harvest adds).

    python3 deploy/demo/make_demo.py            # rewrites deploy/demo/*.ndjson
    python3 deploy/demo/make_demo.py --check    # verifies the committed files are up to date
"""

import argparse
import hashlib
import json
import os
import random
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))

EXT = {
    "cmip6": "https://stac-extensions.github.io/cmip6/v3.0.2/schema.json",
    "cordex": "https://esgf.github.io/stac-transaction-api/cordex-cmip6/v3.1.2/schema.json",
    "alternate": "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json",
    "file": "https://stac-extensions.github.io/file/v2.1.0/schema.json",
    "eo": "https://stac-extensions.github.io/eo/v2.0.0/schema.json",
    "sat": "https://stac-extensions.github.io/sat/v1.0.0/schema.json",
    "proj": "https://stac-extensions.github.io/projection/v2.0.0/schema.json",
    "grid": "https://stac-extensions.github.io/grid/v1.1.0/schema.json",
    "view": "https://stac-extensions.github.io/view/v1.0.0/schema.json",
    "processing": "https://stac-extensions.github.io/processing/v1.2.0/schema.json",
    "product": "https://stac-extensions.github.io/product/v0.1.0/schema.json",
    "auth": "https://stac-extensions.github.io/authentication/v1.1.0/schema.json",
    "storage1": "https://stac-extensions.github.io/storage/v1.0.0/schema.json",
    "storage2": "https://stac-extensions.github.io/storage/v2.0.0/schema.json",
    "timestamps": "https://stac-extensions.github.io/timestamps/v1.1.0/schema.json",
    "order": "https://stac-extensions.github.io/order/v1.1.0/schema.json",
    "xarray": "https://stac-extensions.github.io/xarray-assets/v1.0.0/schema.json",
    "datacube": "https://stac-extensions.github.io/datacube/v2.2.0/schema.json",
    "zarr": "https://stac-extensions.github.io/zarr/v1.1.0/schema.json",
}


class Rand:
    """random.Random read only through random() and getrandbits(), stable across Python versions."""

    def __init__(self, seed):
        self._r = random.Random(seed)

    def f(self, a=0.0, b=1.0):
        return a + (b - a) * self._r.random()

    def i(self, a, b):
        """Integer in [a, b]."""
        return a + int(self._r.random() * (b - a + 1))

    def pick(self, seq):
        return seq[int(self._r.random() * len(seq))]

    def chance(self, p):
        return self._r.random() < p

    def hex(self, nbits):
        return "%0*x" % (nbits // 4, self._r.getrandbits(nbits))

    def uuid(self):
        h = self.hex(128)
        return "%s-%s-4%s-%s-%s" % (h[:8], h[8:12], h[13:16], "8" + h[17:20], h[20:])


def box(w, s, e, n):
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def r2(x):
    return float(round(x, 2))


def r6(x):
    return float(round(x, 6))


# ---------------------------------------------------------------------------------------------
# ESGF-NG: CMIP6 at East (CEDA) and West (Globus), CORDEX-CMIP6 at East

CMIP6_MODELS = [
    # source_id, institution_id, nominal_resolution, grid_label, grid, source_type
    ("MPI-ESM1-2-HR", "MPI-M", "100 km", "gn", "native atmosphere T127 gaussian grid", ["AOGCM"]),
    ("UKESM1-0-LL", "MOHC", "250 km", "gn", "atmosphere N96, ocean 1 degree", ["AOGCM", "AER", "BGC", "CHEM"]),
    ("HadGEM3-GC31-MM", "MOHC", "100 km", "gn", "atmosphere N216, ocean 0.25 degree", ["AOGCM", "AER"]),
    ("IPSL-CM6A-LR", "IPSL", "250 km", "gr", "LMDZ grid", ["AOGCM", "BGC"]),
    ("EC-Earth3", "EC-Earth-Consortium", "100 km", "gr", "T255L91-ORCA1L75", ["AOGCM"]),
    ("CESM2", "NCAR", "100 km", "gn", "native 0.9x1.25 finite volume grid", ["AOGCM", "BGC"]),
    ("GFDL-ESM4", "NOAA-GFDL", "100 km", "gr1", "atmos data regridded to 1x1.25 degree grid",
     ["AOGCM", "AER", "CHEM", "BGC"]),
    ("MIROC6", "MIROC", "250 km", "gn", "native atmosphere T85 gaussian grid", ["AOGCM", "AER"]),
]

CMIP6_EXPERIMENTS = [
    # activity, experiment_id, experiment, first year, last year
    ("CMIP", "historical", "all-forcing simulation of the recent past", 1850, 2014),
    ("CMIP", "piControl", "pre-industrial control", 1850, 2349),
    ("ScenarioMIP", "ssp126", "update of RCP2.6 based on SSP1", 2015, 2100),
    ("ScenarioMIP", "ssp245", "update of RCP4.5 based on SSP2", 2015, 2100),
    ("ScenarioMIP", "ssp585", "update of RCP8.5 based on SSP5", 2015, 2100),
    ("HighResMIP", "hist-1950", "coupled historical 1950-2014", 1950, 2014),
]

CMIP6_VARIABLES = [
    # variable_id, table_id, frequency, realm, long name, units, standard name, MB per year
    ("tas", "Amon", "mon", ["atmos"], "Near-Surface Air Temperature", "K", "air_temperature", 0.6),
    ("pr", "Amon", "mon", ["atmos"], "Precipitation", "kg m-2 s-1", "precipitation_flux", 0.6),
    ("psl", "Amon", "mon", ["atmos"], "Sea Level Pressure", "Pa", "air_pressure_at_mean_sea_level", 0.6),
    ("tasmax", "day", "day", ["atmos"], "Daily Maximum Near-Surface Air Temperature", "K", "air_temperature", 18),
    ("pr", "day", "day", ["atmos"], "Precipitation", "kg m-2 s-1", "precipitation_flux", 18),
    ("tos", "Omon", "mon", ["ocean"], "Sea Surface Temperature", "degC", "sea_surface_temperature", 1.2),
    ("siconc", "SImon", "mon", ["seaIce"], "Sea-Ice Area Percentage (Ocean Grid)", "%", "sea_ice_area_fraction", 1.2),
    ("mrso", "Lmon", "mon", ["land"], "Total Soil Moisture Content", "kg m-2", "mass_content_of_water_in_soil", 0.3),
]


def cmip6_collection(cid, title, site, host, upstream):
    return {
        "type": "Collection",
        "stac_version": "1.1.0",
        "stac_extensions": [],
        "id": cid,
        "title": title,
        "description": "Coupled Model Intercomparison Project phase 6 (CMIP6) datasets as published by ESGF-NG %s. "
                       "One item per dataset version; one asset per NetCDF file. Demo data: the identifiers follow "
                       "the CMIP6 DRS but the records are synthetic." % site,
        "keywords": ["CMIP6", "ESGF", "climate model output", "WCRP", site],
        "license": "CC-BY-4.0",
        "providers": [
            {"name": "WCRP CMIP6 modelling groups", "roles": ["producer"]},
            {"name": host, "roles": ["host"], "url": upstream.split("/collections")[0]},
        ],
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [["1850-01-01T00:00:00Z", "2349-12-31T23:59:59Z"]]},
        },
        "summaries": {
            "cmip6:activity_id": sorted({e[0] for e in CMIP6_EXPERIMENTS}),
            "cmip6:experiment_id": sorted({e[1] for e in CMIP6_EXPERIMENTS}),
            "cmip6:source_id": sorted({m[0] for m in CMIP6_MODELS}),
            "cmip6:institution_id": sorted({m[1] for m in CMIP6_MODELS}),
            "cmip6:variable_id": sorted({v[0] for v in CMIP6_VARIABLES}),
            "cmip6:table_id": sorted({v[1] for v in CMIP6_VARIABLES}),
            "cmip6:frequency": sorted({v[2] for v in CMIP6_VARIABLES}),
        },
        "links": [
            {"rel": "license", "href": "https://creativecommons.org/licenses/by/4.0/", "type": "text/html"},
            {"rel": "via", "href": upstream, "type": "application/json", "title": "Upstream collection"},
            {"rel": "about", "href": "https://wcrp-cmip.org/cmip-phase-6-cmip6/", "type": "text/html"},
        ],
    }


def replicated_at_dkrz(base_id):
    """Whether DKRZ holds a replica of an ESGF East dataset: about half of them, decided by the
    dataset id alone (not by the random stream, so that the rest of the demo stays as it was)."""
    return hashlib.sha1(base_id.encode()).digest()[0] < 128


def east_copies(base_id, drs, name):
    """The other copies of one ESGF East file, as alternate-assets: CEDA's OPeNDAP route and
    its JASMIN path (readable on JASMIN only), and for datasets DKRZ replicates, the copy on
    Levante's disk (readable at DKRZ only), DKRZ's data node and the DKRZ tape archive. Which
    site each copy is at, its tier and protocol are left to the harvest's annotation (the
    demo federation file names the sites' hosts and path prefixes)."""
    copies = {
        "ceda-opendap": {"href": "https://dap.ceda.ac.uk/thredds/dodsC/badc/cmip6/data/%s/%s" % (drs, name),
                         "alternate:name": "CEDA OPeNDAP"},
        "ceda-jasmin": {"href": "/badc/cmip6/data/%s/%s" % (drs, name), "alternate:name": "JASMIN"},
    }
    if replicated_at_dkrz(base_id):
        copies["dkrz-levante"] = {"href": "/pool/data/%s/%s" % (drs, name), "alternate:name": "Levante"}
        copies["dkrz-node"] = {"href": "https://esgf3.dkrz.de/thredds/fileServer/cmip6/%s/%s" % (drs, name),
                               "alternate:name": "esgf3.dkrz.de"}
        copies["dkrz-tape"] = {"href": "slk:///arch/ik1017/%s/%s" % (drs, name),
                               "alternate:name": "DKRZ tape archive"}
    return copies


def cmip6_items(rnd, cid, count, site):
    """ESGF-NG CMIP6 items. site 'east': CEDA data node and kerchunk references; 'west': US nodes
    plus a Globus web-app asset. A few datasets come in two versions (the older one latest=false)
    and a few are retracted, as ESGF publishes them."""
    if site == "east":
        nodes = [("esgf.ceda.ac.uk", "https://dap.ceda.ac.uk/thredds/fileServer/badc/cmip6/data")]
    else:
        nodes = [("esgf-data1.llnl.gov", "https://esgf-data1.llnl.gov/thredds/fileServer/css03_data"),
                 ("esgf-data.nersc.gov", "https://g-eba899.6b7bd8.0ec8.data.globus.org/css03_data"),
                 ("eagle.alcf.anl.gov", "https://g-52ba3.fd635.8443.data.globus.org/css03_data")]
    items, seen = [], set()
    while len(items) < count:
        model = rnd.pick(CMIP6_MODELS)
        activity, experiment_id, experiment, y0, y1 = rnd.pick(CMIP6_EXPERIMENTS)
        var = rnd.pick(CMIP6_VARIABLES)
        member = "r%di1p1f%d" % (rnd.i(1, 3), 1 if model[1] != "MOHC" else rnd.i(2, 3))
        source_id, institution_id, resolution, grid_label, grid, source_type = model
        variable_id, table_id, frequency, realm, long_name, units, standard_name, mb = var
        base_id = "CMIP6.%s.%s.%s.%s.%s.%s.%s.%s" % (
            activity, institution_id, source_id, experiment_id, member, table_id, variable_id, grid_label)
        if base_id in seen:
            continue
        seen.add(base_id)
        if experiment_id == "piControl":
            y1 = y0 + rnd.i(100, 499)
        versions = ["2019%02d%02d" % (rnd.i(1, 12), rnd.i(1, 28))]
        if rnd.chance(0.12) and len(items) + 2 <= count:
            versions.append("2021%02d%02d" % (rnd.i(1, 12), rnd.i(1, 28)))
        retracted_all = rnd.chance(0.05)
        node, prefix = rnd.pick(nodes)
        tracking = "hdl:21.14100/" + rnd.uuid()
        for vi, version in enumerate(versions):
            latest = vi == len(versions) - 1
            item_id = base_id + ".v" + version
            published = "%s-%s-%sT%02d:%02d:%02dZ" % (
                version[:4], version[4:6], version[6:], rnd.i(0, 23), rnd.i(0, 59), rnd.i(0, 59))
            updated = "2025-%02d-%02dT%02d:%02d:%02dZ" % (
                rnd.i(1, 12), rnd.i(1, 28), rnd.i(0, 23), rnd.i(0, 59), rnd.i(0, 59))
            drs = "CMIP6/%s/%s/%s/%s/%s/%s/%s/%s/v%s" % (
                activity, institution_id, source_id, experiment_id, member, table_id, variable_id,
                grid_label, version)
            stem = "%s_%s_%s_%s_%s_%s" % (variable_id, table_id, source_id, experiment_id, member, grid_label)
            n_files = 1 if frequency == "mon" and y1 - y0 < 100 else min(3, 1 + (y1 - y0) // 60)
            step = -(-(y1 - y0 + 1) // n_files)
            assets, total = {}, 0
            if site == "west":
                assets["globus"] = {
                    "href": "https://app.globus.org/file-manager?origin_id=%s&origin_path=/css03_data/%s/" % (
                        rnd.uuid(), drs),
                    "description": "Globus Web App Link",
                    "type": "text/html",
                    "roles": ["data"],
                    "alternate:name": node,
                    "created": published,
                    "updated": published,
                    "protocol": "globus",
                }
            a = y0
            while a <= y1:
                b = min(a + step - 1, y1)
                span = "%04d01-%04d12" % (a, b) if frequency == "mon" else "%04d0101-%04d1231" % (a, b)
                name = "%s_%s.nc" % (stem, span)
                size = int((b - a + 1) * mb * 1e6 * rnd.f(0.6, 1.4))
                total += size
                assets[name] = {
                    "href": "%s/%s/%s" % (prefix, drs, name),
                    "description": "HTTPServer Link",
                    "type": "application/netcdf",
                    "roles": ["data"],
                    "alternate:name": node,
                    "file:size": size,
                    "file:checksum": "1220" + rnd.hex(256),
                    "file:local_path": "%s/%s" % (drs, name),
                    "cmip6:tracking_id": "hdl:21.14100/" + rnd.uuid(),
                    "created": published,
                    "updated": published,
                    "protocol": "https",
                    "node": node,
                }
                if site == "east":
                    assets[name]["alternate"] = east_copies(base_id, drs, name)
                a = b + 1
            if site == "east" and rnd.chance(0.5):
                assets["reference_file"] = {
                    "href": "https://dap.ceda.ac.uk/badc/cmip6/metadata/kerchunk/pipeline1/%s/%s/%s/kr1.0/%s_kr1.0.json"
                            % (activity, institution_id, source_id, item_id.replace(".", "_")),
                    "type": "application/zstd",
                    "roles": ["reference", "data"],
                    "alternate:name": "dap.ceda.ac.uk",
                    "created": updated,
                    "updated": updated,
                    "protocol": "kerchunk",
                    "open_zarr_kwargs": {"decode_times": True},
                }
            if grid_label == "gn" and site == "west":
                bbox = [-180.0, -89.5, 179.5, 89.5]
            elif realm == ["ocean"] or realm == ["seaIce"]:
                bbox = [-180.0, -78.5, 180.0, 89.7]
            else:
                bbox = [-180.0, -90.0, 180.0, 90.0]
            start = "%04d-01-16T12:00:00Z" % y0 if frequency == "mon" else "%04d-01-01T12:00:00Z" % y0
            end = "%04d-12-16T12:00:00Z" % y1 if frequency == "mon" else "%04d-12-31T12:00:00Z" % y1
            items.append({
                "type": "Feature",
                "stac_version": "1.1.0",
                "stac_extensions": [EXT["cmip6"], EXT["alternate"], EXT["file"]],
                "id": item_id,
                "collection": cid,
                "geometry": box(*bbox),
                "bbox": bbox,
                "properties": {
                    "datetime": None,
                    "start_datetime": start,
                    "end_datetime": end,
                    "created": published,
                    "updated": updated,
                    "size": total,
                    "retracted": retracted_all,
                    "version": version,
                    "access": ["HTTPServer", "Globus"] if site == "west" else ["HTTPServer"],
                    "latest": latest,
                    "project": "CMIP6",
                    "title": base_id,
                    "base_id": base_id,
                    "cmip6:activity_id": [activity],
                    "cmip6:institution_id": institution_id,
                    "cmip6:source_id": source_id,
                    "cmip6:source_type": source_type,
                    "cmip6:experiment_id": experiment_id,
                    "cmip6:experiment": experiment,
                    "cmip6:sub_experiment_id": "none",
                    "cmip6:member_id": member,
                    "cmip6:variant_label": member,
                    "cmip6:table_id": table_id,
                    "cmip6:frequency": frequency,
                    "cmip6:variable_id": variable_id,
                    "cmip6:variable_long_name": long_name,
                    "cmip6:variable_units": units,
                    "cmip6:variable_cf_standard_name": standard_name,
                    "cmip6:grid_label": grid_label,
                    "cmip6:grid": grid,
                    "cmip6:nominal_resolution": resolution,
                    "cmip6:realm": realm,
                    "cmip6:product": "model-output",
                    "cmip6:data_specs_version": "01.00.%d" % rnd.i(28, 33),
                    "cmip6:pid": tracking,
                },
                "links": [
                    {"rel": "cite-as", "type": "application/json",
                     "href": "https://cera-www.dkrz.de/WDCC/meta/CMIP6/%s.json" % item_id},
                    {"rel": "describedby", "type": "text/html",
                     "href": "https://furtherinfo.es-doc.org/CMIP6.%s.%s.%s.none.%s" % (
                         institution_id, source_id, experiment_id, member)},
                ],
                "assets": assets,
            })
    return items


CORDEX_DOMAINS = [
    # domain_id, name, bbox of the rotated-pole domain in geographic coordinates
    ("EUR-12", "Europe 0.11 degree", [-44.6, 21.9, 72.6, 72.7]),
    ("AFR-50", "Africa 0.44 degree", [-24.6, -45.8, 60.3, 42.2]),
    ("SAM-50", "South America 0.44 degree", [-106.3, -58.2, -16.3, 18.6]),
    ("EAS-25", "East Asia 0.22 degree", [62.4, -0.5, 179.6, 65.0]),
    ("AUS-20i", "Australasia 0.2 degree regular", [88.0, -53.6, 180.0, 12.7]),
]

CORDEX_RCMS = [
    # institution_id, source_id (RCM), version_realization
    ("CLMcom-DWD", "ICON-CLM-202407-1-1", "v1-r1"),
    ("GERICS", "REMO2020-2-2", "v1-r1"),
    ("CNRM-MF", "CNRM-ALADIN64E1", "v1-r1"),
    ("DMI", "HCLIM43-ALADIN", "v1-r1"),
    ("BOM", "BARPA-R", "v1-r1"),
]


def cordex_items(rnd, cid, count):
    drivers = [("MPI-ESM1-2-HR", "r1i1p1f1"), ("EC-Earth3-Veg", "r1i1p1f1"), ("UKESM1-0-LL", "r1i1p1f2"),
               ("CNRM-ESM2-1", "r1i1p1f2"), ("ERA5", "r1i1p1f1")]
    variables = [("tas", "Near-Surface Air Temperature", "K"), ("pr", "Precipitation", "kg m-2 s-1"),
                 ("sfcWind", "Near-Surface Wind Speed", "m s-1"), ("orog", "Surface Altitude", "m")]
    items, seen = [], set()
    while len(items) < count:
        domain_id, _, bbox = rnd.pick(CORDEX_DOMAINS)
        institution_id, source_id, realization = rnd.pick(CORDEX_RCMS)
        driving_source, driving_variant = rnd.pick(drivers)
        if driving_source == "ERA5":
            driving_experiment, y0, y1 = "evaluation", 1961, 2023
        else:
            driving_experiment, y0, y1 = rnd.pick([("historical", 1950, 2014), ("ssp370", 2015, 2100)])
        variable_id, long_name, units = rnd.pick(variables)
        frequency = "fx" if variable_id == "orog" else rnd.pick(["mon", "day", "1hr"])
        if frequency == "fx":
            y1 = y0
        version = "2025%02d%02d" % (rnd.i(1, 10), rnd.i(1, 28))
        drs = [domain_id, institution_id, driving_source, driving_experiment, driving_variant, source_id,
               realization, frequency, variable_id]
        base_id = "CORDEX-CMIP6.DD." + ".".join(drs)
        if base_id in seen:
            continue
        seen.add(base_id)
        item_id = base_id + ".v" + version
        path = "CORDEX-CMIP6/DD/" + "/".join(drs) + "/v" + version
        name = "%s_%s_%s_%s_%s_%s_%s_%s_%s.nc" % (
            variable_id, domain_id, driving_source, driving_experiment, driving_variant, institution_id,
            source_id, realization, frequency)
        size = rnd.i(5_000_000, 4_000_000_000) if frequency != "fx" else rnd.i(200_000, 4_000_000)
        published = "%s-%s-%sT%02d:%02d:00Z" % (version[:4], version[4:6], version[6:], rnd.i(0, 23), rnd.i(0, 59))
        items.append({
            "type": "Feature",
            "stac_version": "1.1.0",
            "stac_extensions": [EXT["cordex"], EXT["alternate"], EXT["file"]],
            "id": item_id,
            "collection": cid,
            "geometry": box(*bbox),
            "bbox": bbox,
            "properties": {
                "datetime": None,
                "start_datetime": "%04d-01-01T00:00:00Z" % y0,
                "end_datetime": "%04d-12-31T23:59:59Z" % y1,
                "created": published,
                "updated": published,
                "size": size,
                "retracted": False,
                "latest": True,
                "version": version,
                "access": ["HTTPServer"],
                "project": "CORDEX-CMIP6",
                "title": base_id,
                "base_id": base_id,
                "cordex:activity_id": "DD",
                "cordex:mip_era": "CMIP6",
                "cordex:project_id": "CORDEX",
                "cordex:domain_id": domain_id,
                "cordex:institution_id": institution_id,
                "cordex:driving_source_id": driving_source,
                "cordex:driving_experiment_id": driving_experiment,
                "cordex:driving_variant_label": driving_variant,
                "cordex:source_id": source_id,
                "cordex:version_realization": realization,
                "cordex:frequency": frequency,
                "cordex:variable_id": variable_id,
                "cordex:variable_long_name": long_name,
                "cordex:variable_units": units,
                "cordex:pid": "hdl:21.14103/" + rnd.uuid(),
            },
            "links": [
                {"rel": "cite-as", "type": "application/json",
                 "href": "https://handle.net/21.14103/%s" % rnd.uuid()},
            ],
            "assets": {
                name: {
                    "href": "https://dap.ceda.ac.uk/thredds/fileServer/badc/cordex/data/%s/%s" % (path, name),
                    "description": "HTTPServer Link",
                    "type": "application/netcdf",
                    "roles": ["data"],
                    "alternate:name": "esgf.ceda.ac.uk",
                    "file:size": size,
                    "file:checksum": "1220" + rnd.hex(256),
                    "created": published,
                    "protocol": "https",
                },
            },
        })
    return items


def cordex_collection(cid):
    return {
        "type": "Collection",
        "stac_version": "1.1.0",
        "stac_extensions": [],
        "id": cid,
        "title": "CORDEX-CMIP6 at ESGF East (CEDA)",
        "description": "Regional climate downscaling of CMIP6 models (CORDEX-CMIP6, dynamical downscaling) as "
                       "published by ESGF-NG East. Demo data: DRS-shaped identifiers, synthetic records.",
        "keywords": ["CORDEX", "CORDEX-CMIP6", "regional climate model", "downscaling", "ESGF", "CEDA"],
        "license": "CC-BY-4.0",
        "providers": [{"name": "CORDEX regional modelling groups", "roles": ["producer"]},
                      {"name": "CEDA", "roles": ["host"], "url": "https://api.stac.esgf.ceda.ac.uk"}],
        "extent": {"spatial": {"bbox": [[-106.3, -58.2, 180.0, 72.7]] + [d[2] for d in CORDEX_DOMAINS]},
                   "temporal": {"interval": [["1950-01-01T00:00:00Z", "2100-12-31T23:59:59Z"]]}},
        "summaries": {
            "cordex:domain_id": [d[0] for d in CORDEX_DOMAINS],
            "cordex:source_id": sorted(r[1] for r in CORDEX_RCMS),
            "cordex:institution_id": sorted(r[0] for r in CORDEX_RCMS),
            "cordex:frequency": ["1hr", "day", "fx", "mon"],
        },
        "links": [
            {"rel": "license", "href": "https://creativecommons.org/licenses/by/4.0/", "type": "text/html"},
            {"rel": "via", "href": "https://api.stac.esgf.ceda.ac.uk/collections/CORDEX-CMIP6",
             "type": "application/json", "title": "Upstream collection"},
        ],
    }


# ---------------------------------------------------------------------------------------------
# Copernicus Data Space: Sentinel-2 L2A

def mgrs_tile(rnd, lon, lat):
    zone = int((lon + 180) // 6) + 1
    band = "CDEFGHJKLMNPQRSTUVWX"[int((lat + 80) // 8)]
    return "%02d%s%s%s" % (zone, band, rnd.pick("BCDEFGHJKLMNPQRSTUVW"), rnd.pick("ABCDEFGHJKLMNPQRSTUV"))


S2_BANDS = [
    # key, name, common name, centre wavelength, fwhm, gsd
    ("B02_10m", "B02", "blue", 0.492, 0.066, 10), ("B03_10m", "B03", "green", 0.559, 0.036, 10),
    ("B04_10m", "B04", "red", 0.665, 0.031, 10), ("B08_10m", "B08", "nir", 0.833, 0.106, 10),
    ("B11_20m", "B11", "swir16", 1.614, 0.091, 20),
]


def sentinel2_items(rnd, cid, count):
    sites = [(9.7, 47.3), (13.4, 52.5), (2.3, 48.8), (-3.7, 40.4), (12.5, 41.9), (24.9, 60.2), (10.0, 53.5),
             (-0.1, 51.5), (16.4, 48.2), (4.9, 52.4), (18.1, 59.3), (23.7, 37.9), (-9.1, 38.7), (21.0, 52.2)]
    items = []
    for n in range(count):
        lon0, lat0 = rnd.pick(sites)
        lon, lat = lon0 + rnd.f(-1.5, 1.5), lat0 + rnd.f(-1.0, 1.0)
        platform = rnd.pick(["sentinel-2a", "sentinel-2b", "sentinel-2c"])
        day = rnd.i(0, 540)
        year, doy = (2024, day + 1) if day < 366 else (2025, day - 365)
        month, dom = doy_to_date(year, doy)
        hh, mm, ss, ms = rnd.i(9, 11), rnd.i(0, 59), rnd.i(0, 59), rnd.i(0, 999)
        stamp = "%04d%02d%02dT%02d%02d%02d" % (year, month, dom, hh, mm, ss)
        dt = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (year, month, dom, hh, mm, ss, ms)
        tile = mgrs_tile(rnd, lon, lat)
        rel_orbit = rnd.i(1, 143)
        proc = "%04d%02d%02dT%02d%02d%02d" % (year, month, min(dom + 1, 28), rnd.i(12, 23), rnd.i(0, 59), rnd.i(0, 59))
        pid = "S2%s_MSIL2A_%s_N0511_R%03d_T%s_%s" % (platform[-1].upper(), stamp, rel_orbit, tile, proc)
        product_uuid = rnd.uuid()
        safe = "s3://eodata/Sentinel-2/MSI/L2A/%04d/%02d/%02d/%s.SAFE" % (year, month, dom, pid)
        zipper = "https://zipper.dataspace.copernicus.eu/odata/v1/Products(%s)" % product_uuid
        dlon = 1.4 / max(0.2, cos_deg(lat))
        w, e = r6(lon - dlon / 2), r6(lon + dlon / 2)
        s, nn = r6(lat - 0.5), r6(lat + 0.5)
        # Edge tiles cover only part of the square: cut a corner off some footprints.
        if rnd.chance(0.3):
            ring = [[w, nn], [e, nn], [e, s], [r6(w + (e - w) * 0.4), s], [w, nn]]
        else:
            ring = [[w, nn], [e, nn], [e, s], [w, s], [w, nn]]
        granule = "%s/GRANULE/L2A_T%s_A0%05d_%s/IMG_DATA" % (safe, tile, rnd.i(10000, 99999), stamp)
        epsg = 32600 + int((lon + 180) // 6) + 1
        assets = {}
        for key, band, common, wl, fwhm, gsd in S2_BANDS:
            res = "R%dm" % gsd
            fname = "T%s_%s_%s_%dm.jp2" % (tile, stamp, band, gsd)
            assets[key] = {
                "href": "%s/%s/%s" % (granule, res, fname),
                "type": "image/jp2",
                "title": "%s (%s) - %dm" % (common.capitalize(), band, gsd),
                "roles": ["data", "reflectance"],
                "gsd": gsd,
                "bands": [{"name": band, "eo:common_name": common, "eo:center_wavelength": wl,
                           "eo:full_width_half_max": fwhm}],
                "file:size": rnd.i(20_000_000, 130_000_000) // (1 if gsd == 10 else 4),
                "file:checksum": "1220" + rnd.hex(256),
                "proj:code": "EPSG:%d" % epsg,
                "proj:shape": [10980, 10980] if gsd == 10 else [5490, 5490],
                "raster:scale": 0.0001,
                "raster:offset": -0.1,
                "nodata": 0,
                "data_type": "uint16",
                "auth:refs": ["s3"],
                "storage:refs": ["cdse-s3", "creodias-s3"],
                "alternate:name": "S3",
                "alternate": {"https": {
                    "href": "%s/Nodes(%s.SAFE)/Nodes(%s)/$value" % (zipper, pid, fname),
                    "alternate:name": "HTTPS", "auth:refs": ["oidc"], "storage:refs": []}},
            }
        assets["SCL_20m"] = {
            "href": "%s/R20m/T%s_%s_SCL_20m.jp2" % (granule, tile, stamp),
            "type": "image/jp2", "title": "Scene classification map (SCL)", "roles": ["data"], "gsd": 20,
            "file:size": rnd.i(1_000_000, 4_000_000), "file:checksum": "1220" + rnd.hex(256),
            "auth:refs": ["s3"], "storage:refs": ["cdse-s3", "creodias-s3"], "alternate:name": "S3",
            "alternate": {"https": {"href": "%s/Nodes(%s.SAFE)/Nodes(SCL_20m.jp2)/$value" % (zipper, pid),
                                    "alternate:name": "HTTPS", "auth:refs": ["oidc"], "storage:refs": []}},
        }
        assets["product_metadata"] = {
            "href": "%s/MTD_MSIL2A.xml" % safe, "type": "application/xml", "title": "MTD_MSIL2A.xml",
            "roles": ["metadata"], "file:size": rnd.i(40_000, 70_000), "auth:refs": ["s3"],
            "storage:refs": ["cdse-s3", "creodias-s3"], "alternate:name": "S3",
            "alternate": {"https": {"href": "%s/Nodes(%s.SAFE)/Nodes(MTD_MSIL2A.xml)/$value" % (zipper, pid),
                                    "alternate:name": "HTTPS", "auth:refs": ["oidc"], "storage:refs": []}},
        }
        assets["Product"] = {
            "href": "%s/$value" % zipper, "type": "application/zip", "title": "Zipped product",
            "roles": ["data", "metadata", "archive"], "file:size": rnd.i(500_000_000, 1_200_000_000),
            "auth:refs": ["oidc"], "alternate:name": "HTTPS",
        }
        published = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (year, month, min(dom + 1, 28), rnd.i(0, 23),
                                                          rnd.i(0, 59), rnd.i(0, 59), rnd.i(0, 999999))
        cloud = r2(rnd.f(0, 100) if rnd.chance(0.6) else rnd.f(0, 15))
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        items.append({
            "type": "Feature",
            "stac_version": "1.1.0",
            "stac_extensions": [EXT["eo"], EXT["sat"], EXT["proj"], EXT["grid"], EXT["view"], EXT["file"],
                                EXT["processing"], EXT["product"], EXT["alternate"], EXT["timestamps"],
                                EXT["auth"], EXT["storage2"]],
            "id": pid,
            "collection": cid,
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "bbox": [min(xs), min(ys), max(xs), max(ys)],
            "properties": {
                "datetime": dt,
                "start_datetime": dt,
                "end_datetime": dt,
                "created": published,
                "updated": published,
                "published": published,
                "platform": platform,
                "constellation": "sentinel-2",
                "instruments": ["msi"],
                "gsd": 10,
                "eo:cloud_cover": cloud,
                "eo:snow_cover": r2(rnd.f(0, 5) if lat < 55 else rnd.f(0, 40)),
                "grid:code": "MGRS-" + tile,
                "product:type": "S2MSI2A",
                "product:timeliness": "PT24H",
                "product:timeliness_category": "NRT",
                "processing:level": "L2",
                "processing:version": "05.11",
                "processing:facility": "ESA",
                "processing:datetime": "%s-%s-%sT%s:%s:%s.000000Z" % (
                    proc[:4], proc[4:6], proc[6:8], proc[9:11], proc[11:13], proc[13:15]),
                "sat:orbit_state": "descending",
                "sat:relative_orbit": rel_orbit,
                "sat:absolute_orbit": rnd.i(30000, 45000),
                "view:sun_azimuth": r6(rnd.f(140, 170)),
                "view:sun_elevation": r6(rnd.f(15, 65)),
                "auth:schemes": {
                    "s3": {"type": "s3"},
                    "oidc": {"type": "openIdConnect",
                             "openIdConnectUrl": "https://identity.dataspace.copernicus.eu/auth/realms/CDSE/"
                                                 ".well-known/openid-configuration"},
                },
                "storage:schemes": {
                    "cdse-s3": {"title": "Copernicus Data Space Ecosystem S3", "type": "custom-s3",
                                "platform": "https://eodata.dataspace.copernicus.eu", "requester_pays": False},
                    "creodias-s3": {"title": "CREODIAS S3", "type": "custom-s3",
                                    "platform": "https://eodata.cloudferro.com", "requester_pays": True},
                },
            },
            "links": [
                {"rel": "version-history", "type": "application/json",
                 "href": "https://trace.dataspace.copernicus.eu/api/v1/traces/name/%s.SAFE.zip" % pid,
                 "title": "Product history record from the CDSE traceability service"},
            ],
            "assets": assets,
        })
    return items


def cos_deg(d):
    import math
    return math.cos(math.radians(d))


def doy_to_date(year, doy):
    days = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    m = 0
    while doy > days[m]:
        doy -= days[m]
        m += 1
    return m + 1, doy


def sentinel2_collection(cid):
    return {
        "type": "Collection",
        "stac_version": "1.1.0",
        "stac_extensions": [EXT["eo"], EXT["proj"], EXT["auth"], EXT["storage2"]],
        "id": cid,
        "title": "Sentinel-2 Level-2A",
        "description": "Sentinel-2 Level-2A bottom-of-atmosphere reflectance tiles (MGRS, 110 km) as the "
                       "Copernicus Data Space Ecosystem STAC catalogue publishes them: assets on s3://eodata with "
                       "an authenticated https alternate. Demo data: synthetic tiles over Europe, 2024-2025.",
        "keywords": ["Copernicus", "Sentinel", "EU", "ESA", "Satellite", "Global", "Imagery", "Reflectance", "L2A"],
        "license": "other",
        "providers": [
            {"name": "ESA", "roles": ["producer"], "url": "https://www.esa.int"},
            {"name": "CloudFerro", "roles": ["host"], "url": "https://cloudferro.com"},
        ],
        "extent": {"spatial": {"bbox": [[-180.0, -56.0, 180.0, 83.0]]},
                   "temporal": {"interval": [["2015-07-04T10:10:06Z", None]]}},
        "summaries": {
            "platform": ["sentinel-2a", "sentinel-2b", "sentinel-2c"],
            "constellation": ["sentinel-2"],
            "instruments": ["msi"],
            "gsd": [10, 20, 60],
            "eo:cloud_cover": {"minimum": 0, "maximum": 100},
            "product:type": ["S2MSI2A"],
        },
        "item_assets": {k[0]: {"type": "image/jp2", "roles": ["data", "reflectance"], "gsd": k[5]} for k in S2_BANDS},
        "links": [
            {"rel": "license", "href": "https://sentinel.esa.int/documents/247904/690755/Sentinel_Data_Legal_Notice",
             "type": "application/pdf", "title": "Legal notice on the use of Copernicus Sentinel Data"},
            {"rel": "via", "href": "https://stac.dataspace.copernicus.eu/v1/collections/sentinel-2-l2a",
             "type": "application/json", "title": "Upstream collection"},
        ],
    }


# ---------------------------------------------------------------------------------------------
# DestinE Data Lake: ERA5 single levels, orderable items

ERA5_VARIABLES = ["2m_temperature", "total_precipitation", "10m_u_component_of_wind", "10m_v_component_of_wind",
                  "mean_sea_level_pressure", "sea_surface_temperature", "surface_solar_radiation_downwards"]

HDA = "https://hda.data.destination-earth.eu/stac/v2"


def era5_items(rnd, cid, count):
    items = []
    for n in range(count):
        year = rnd.i(1940, 2025)
        month = rnd.i(1, 12)
        day = rnd.i(1, 28)
        time = rnd.pick(["00:00", "06:00", "12:00", "18:00"])
        k = rnd.i(1, 3)
        variables = sorted({rnd.pick(ERA5_VARIABLES) for _ in range(k)})
        request = {"data_format": rnd.pick(["grib", "netcdf"]), "day": str(day), "download_format": "zip",
                   "month": str(month), "product_type": "reanalysis", "time": time, "variable": variables,
                   "year": str(year)}
        digest = hashlib.sha1(json.dumps(request, sort_keys=True).encode()).hexdigest()
        item_id = "ERA5_SL_ORDERABLE_" + digest
        dt = "%04d-%02d-%02dT%s:00.000000Z" % (year, month, day, time)
        items.append({
            "type": "Feature",
            "stac_version": "1.0.0",
            "stac_extensions": [EXT["storage1"], EXT["order"]],
            "id": item_id,
            "collection": cid,
            "geometry": box(-180.0, -90.0, 180.0, 90.0),
            "bbox": [-180.0, -90.0, 180.0, 90.0],
            "properties": {
                "datetime": dt,
                "start_datetime": dt,
                "end_datetime": dt,
                "title": item_id,
                "alias": cid,
                "collection": "ERA5_SL",
                "license": "proprietary",
                "federation:backends": ["cop_cds"],
                "order:status": "orderable",
                "storage:tier": "offline",
                "ecmwf:dataset": "reanalysis-era5-single-levels",
                "ecmwf:product_type": "reanalysis",
                "ecmwf:data_format": request["data_format"],
                "ecmwf:download_format": "zip",
                "ecmwf:variable": variables,
                "ecmwf:year": request["year"],
                "ecmwf:month": request["month"],
                "ecmwf:day": request["day"],
                "ecmwf:time": time,
                "scope": {"discover": None, "download": "hda-public-data-access", "search": "hda-public-data-access"},
                "stacCollection": "/eodag/collections/%s.json" % cid,
            },
            "links": [
                {"rel": "retrieve", "title": "Retrieve", "type": "application/geo+json", "method": "POST",
                 "href": "%s/collections/%s/order" % (HDA, cid), "body": request},
            ],
            "assets": {},
        })
    return items


def era5_collection(cid):
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "stac_extensions": [EXT["storage1"], EXT["order"]],
        "id": cid,
        "title": "ERA5 hourly data on single levels from 1940 to present",
        "description": "ERA5 reanalysis on single levels through the DestinE Data Lake Harmonised Data Access "
                       "(federated from the Copernicus Climate Data Store). Items are orderable requests: no "
                       "assets, a `retrieve` link to POST. Demo data: synthetic requests.",
        "keywords": ["ECMWF", "Reanalysis", "ERA5", "CDS", "Atmospheric", "Land", "Sea", "hourly", "single levels",
                     "DestinE"],
        "license": "proprietary",
        "providers": [
            {"name": "ECMWF", "roles": ["producer"], "url": "https://www.ecmwf.int"},
            {"name": "DestinE Data Lake", "roles": ["host"], "url": "https://hda.data.destination-earth.eu"},
        ],
        "extent": {"spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
                   "temporal": {"interval": [["1940-01-01T00:00:00Z", None]]}},
        "summaries": {"ecmwf:variable": ERA5_VARIABLES, "ecmwf:product_type": ["reanalysis"],
                      "order:status": ["orderable"], "federation:backends": ["cop_cds"]},
        "links": [
            {"rel": "license", "href": "https://cds.climate.copernicus.eu/licences/ec-cds-licence",
             "type": "text/html", "title": "Licence to use Copernicus products"},
            {"rel": "via", "href": "%s/collections/%s" % (HDA, cid), "type": "application/json",
             "title": "Upstream collection"},
        ],
    }


# ---------------------------------------------------------------------------------------------
# DKRZ: EERIE, nextGEMS, Warmworld (zarr datasets with site-specific copies)

def zarr_dataset_items(rnd, cid, dataset_ids, model, experiment, y0, y1, project, version_extra):
    """One item per dataset, eerie.cloud style: assets keyed by where and how the data is stored."""
    items = []
    for ds in dataset_ids:
        parts = ds.split(".")
        realm, grid, kind = parts[-3], parts[-2], parts[-1]
        freq = next((name for token, name in (("PT30M", "30min"), ("PT3H", "3h"), ("P1D", "daily"), ("1h", "1h"),
                                              ("3h", "3h"), ("6h", "6h"), ("daily", "daily"), ("monthly", "monthly"))
                     if token in kind), "monthly")
        variables = {
            "atmos": ["tas", "pr", "uas", "vas", "psl", "clt", "rlut", "rsdt"],
            "ocean": ["to", "so", "u", "v", "mlotst", "zos", "ssh"],
            "land": ["mrso", "snw", "lai"],
        }.get(realm, ["tas"])
        k = rnd.i(2, len(variables))
        chosen = variables[:k]
        if grid in ("native",) and project == "EERIE":
            bbox = [-180.0, -90.0, 180.0, 90.0]
        elif grid.startswith("healpix") or grid.startswith("zoom"):
            bbox = [-180.0, -90.0, 180.0, 90.0]
        elif realm == "ocean":
            bbox = [-180.0, -78.0, 180.0, 90.0]
        else:
            bbox = [-180.0, -90.0, 180.0, 90.0]
        size = rnd.i(5, 900) * 10 ** 9
        lustre = "/pool/data/%s/%s/%s" % (project.upper(), model, ds.replace(".", "/"))
        cloud = "https://eerie.cloud.dkrz.de/datasets/%s" % ds
        assets = {
            "dkrz-disk": {
                "href": "reference::%s/kerchunk.parq" % lustre if rnd.chance(0.5) else "file://%s.zarr" % lustre,
                "type": "application/vnd+zarr",
                "title": "Zarr-access from Lustre (on Levante)",
                "roles": ["data"],
                "description": "Use this asset on DKRZ's Levante: the fastest way to open the dataset there.",
                "xarray:open_kwargs": {"engine": "zarr", "chunks": "auto", "consolidated": False},
                "xarray:storage_options": {"lazy": True, "remote_protocol": "file"},
            },
            "eerie-cloud": {
                "href": cloud + "/kerchunk",
                "type": "application/vnd+zarr",
                "title": "Zarr-access through eerie.cloud",
                "roles": ["data"],
                "description": "Raw chunks served over https: use this asset outside Levante.",
                "xarray:open_kwargs": {"engine": "zarr", "chunks": "auto", "consolidated": True},
                "alternate": {"processed": {"href": cloud + "/zarr", "alternate:name": "rechunked and compressed",
                                            "xarray:open_kwargs": {"engine": "zarr", "chunks": "auto",
                                                                   "consolidated": True}}},
            },
        }
        if rnd.chance(0.6):
            assets["dkrz-tape"] = {
                "href": "reference::/arch/bm1344/%s/%s/combined_slk.parq" % (project.lower(), ds.replace(".", "/")),
                "type": "application/vnd+zarr",
                "title": "Zarr-access from the DKRZ tape archive (StrongLink)",
                "roles": ["data"],
                "xarray:open_kwargs": {"engine": "zarr", "chunks": "auto", "consolidated": False},
                "xarray:storage_options": {"lazy": True, "remote_protocol": "slk",
                                           "remote_options": {"slk_cache": "/scratch/k/k202193/slk_cache"}},
            }
        if rnd.chance(0.5):
            assets["dkrz-cloud"] = {
                "href": "https://s3.eu-dkrz-1.dkrz.cloud/%s/%s.zarr" % (project.lower(), ds),
                "type": "application/vnd.zarr; version=2",
                "title": "Zarr on DKRZ object storage",
                "roles": ["data"],
                "xarray:open_kwargs": {"engine": "zarr", "chunks": "auto", "consolidated": True},
                "zarr:zarr_format": 2,
                "zarr:consolidated": True,
            }
        assets["jupyterlite"] = {
            "href": "https://swift.dkrz.de/v1/dkrz_7fa6baba-db43-4d12-a295-8e3ebb1a01ed/apps/jupyterlite/index.html",
            "type": "text/html", "title": "Jupyterlite access", "roles": ["analysis"],
        }
        start = "%04d-01-01T00:00:00Z" % y0
        end = "%04d-12-31T23:59:59Z" % y1
        items.append({
            "type": "Feature",
            "stac_version": "1.1.0",
            "stac_extensions": [EXT["xarray"], EXT["datacube"], EXT["alternate"], EXT["zarr"]],
            "id": ds,
            "collection": cid,
            "geometry": box(*bbox),
            "bbox": bbox,
            "properties": {
                "datetime": None,
                "start_datetime": start,
                "end_datetime": end,
                "title": ds,
                "description": "%s %s %s output of %s, %s, on the %s grid." % (
                    freq, realm, kind, model, experiment, grid),
                "created": "2024-%02d-%02dT%02d:00:00Z" % (rnd.i(1, 12), rnd.i(1, 28), rnd.i(0, 23)),
                "updated": "2025-%02d-%02dT%02d:00:00Z" % (rnd.i(1, 12), rnd.i(1, 28), rnd.i(0, 23)),
                "project": project,
                "source_id": model,
                "experiment_id": experiment,
                "version": version_extra,
                "realm": realm,
                "grid_label": grid,
                "frequency": freq,
                "variables": chosen,
                "size": size,
                "cube:dimensions": {
                    "time": {"type": "temporal", "extent": [start, end]},
                    "cell": {"type": "other", "description": "horizontal cells of the %s grid" % grid},
                },
                "cube:variables": {v: {"type": "data", "dimensions": ["time", "cell"]} for v in chosen},
            },
            "links": [
                {"rel": "describedby", "type": "text/html", "href": cloud + "/", "title": "xpublish dataset page"},
            ],
            "assets": assets,
        })
    return items


def eerie_datasets():
    out = []
    for realm, grid, kinds in [
        ("atmos", "native", ["2d_1h_inst", "2d_1h_mean", "2d_3h_inst", "2d_6h_inst", "2d_daily_max",
                             "2d_daily_mean", "2d_daily_min", "2d_monthly_mean", "pl_6h_inst",
                             "model-level_daily_mean_1", "model-level_monthly_mean"]),
        ("atmos", "gr025", ["2d_daily_max", "2d_daily_mean", "2d_daily_min", "2d_monthly_mean",
                            "plev19_daily_mean", "plev19_monthly_mean"]),
        ("ocean", "native", ["2d_daily_mean", "2d_monthly_mean", "5lev_daily_mean", "model-level_monthly_mean"]),
        ("ocean", "gr025", ["2d_daily_mean", "2d_daily_square", "2d_monthly_mean", "2d_monthly_square",
                            "5lev_daily_mean"]),
        ("land", "native", ["2d_daily_mean", "2d_monthly_mean"]),
    ]:
        for kind in kinds:
            out.append("icon-esm-er.hist-1950.v20240618.%s.%s.%s" % (realm, grid, kind))
    return out


def nextgems_datasets():
    out = []
    for zoom in (0, 2, 4, 6, 8, 10):
        for kind in ("PT30M_inst", "PT3H_mean", "P1D_mean"):
            realm = "atmos" if kind != "P1D_mean" else "ocean"
            out.append("ICON.ngc4008.%s.healpix_zoom%d.%s" % (realm, zoom, kind))
    for kind in ("2d_monthly_mean", "3d_monthly_mean"):
        out.append("IFS_FESOM.ngc4008-comparison.atmos.gr025.%s" % kind)
        out.append("ICON.ngc4008.land.healpix_zoom6.%s" % kind)
    return out


def warmworld_datasets():
    out = []
    for exp in ("control-1990", "ssp245"):
        for realm, kinds in [("atmos", ["2d_1h_mean", "2d_daily_mean", "2d_monthly_mean", "3d_monthly_mean"]),
                             ("ocean", ["2d_daily_mean", "2d_monthly_mean", "3d_monthly_mean"]),
                             ("land", ["2d_monthly_mean"]),
                             ("atmos", ["pl_6h_inst", "2d_daily_max"])]:
            for kind in kinds:
                out.append("icon-xpp.%s.v20250310.%s.native.%s" % (exp, realm, kind))
    return out


def dkrz_collection(cid, title, description, keywords, y0, y1, doc_href):
    return {
        "type": "Collection",
        "stac_version": "1.1.0",
        "stac_extensions": [],
        "id": cid,
        "title": title,
        "description": description,
        "keywords": keywords,
        "license": "other",
        "providers": [{"name": "DKRZ", "description": "The data host of eerie.cloud", "roles": ["host"],
                       "url": "https://dkrz.de"}],
        "extent": {"spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
                   "temporal": {"interval": [["%04d-01-01T00:00:00Z" % y0, "%04d-12-31T23:59:59Z" % y1]]}},
        "assets": {"doc": {"href": doc_href, "type": "text/html", "title": "Technical documentation",
                           "roles": ["overview"]}},
        "links": [
            {"rel": "license", "href": "https://www.dkrz.de/en/about-en/contact/impressum", "type": "text/html",
             "title": "Terms of use"},
        ],
    }


# ---------------------------------------------------------------------------------------------

def build():
    """Returns {file name: [documents]}."""
    files = {}
    rnd = Rand(20260101)
    east = cmip6_collection("esgf-east-cmip6", "CMIP6 at ESGF East (CEDA)", "East (CEDA)", "CEDA",
                            "https://api.stac.esgf.ceda.ac.uk/collections/CMIP6")
    west = cmip6_collection("esgf-west-cmip6", "CMIP6 at ESGF West", "West (ESGF2-US, Globus)", "ESGF2-US",
                            "https://discovery.west.esgf.io/collections/cmip6")
    cordex = cordex_collection("esgf-east-cordex-cmip6")
    files["esgf.ndjson"] = [east, west, cordex] + cmip6_items(rnd, east["id"], 60, "east") \
        + cmip6_items(rnd, west["id"], 40, "west") + cordex_items(rnd, cordex["id"], 30)

    s2 = sentinel2_collection("sentinel-2-l2a")
    files["copernicus.ndjson"] = [s2] + sentinel2_items(rnd, s2["id"], 50)

    era5 = era5_collection("EO.ECMWF.DAT.REANALYSIS_ERA5_SINGLE_LEVELS")
    files["destine.ndjson"] = [era5] + era5_items(rnd, era5["id"], 30)

    eerie = dkrz_collection(
        "EERIE-icon-esm-er-hist-1950", "EERIE ICON-ESM-ER hist-1950",
        "## Earth System Model: ICON-ESM-ER\n\nICON-A at 10 km (90 levels) coupled to ICON-O at 5 km (72 levels) "
        "and JSBACH land.\n\n## Experiment: hist-1950\n\ncoupled historical 1950-2014, EERIE project. Datasets "
        "on Levante disk, eerie.cloud and the DKRZ tape archive. Demo data: synthetic records.",
        ["EERIE", "cloud", "ICON", "ESM", "ER", "hist-1950", "eddy-rich"], 1950, 2014,
        "https://eerie.cloud.dkrz.de/")
    nextgems = dkrz_collection(
        "nextgems-icon-ngc4008", "nextGEMS ICON cycle 4 (ngc4008)",
        "km-scale coupled ICON simulation of nextGEMS cycle 4 (ngc4008), output on HEALPix zoom levels, "
        "with an IFS-FESOM comparison run. Demo data: synthetic records.",
        ["nextGEMS", "ICON", "HEALPix", "km-scale", "storm-resolving", "DKRZ"], 2020, 2049,
        "https://easy.gems.dkrz.de/Processing/healpix/index.html")
    warmworld = dkrz_collection(
        "warmworld-icon-xpp", "Warmworld ICON-XPP",
        "Coupled ICON-XPP runs of the Warmworld project (control-1990 and ssp245) at DKRZ. Demo data: "
        "synthetic records.",
        ["Warmworld", "ICON", "ICON-XPP", "DKRZ", "climate projection"], 1990, 2060,
        "https://www.warmworld.de/")
    files["dkrz.ndjson"] = [eerie, nextgems, warmworld] \
        + zarr_dataset_items(rnd, eerie["id"], eerie_datasets(), "icon-esm-er", "hist-1950", 1950, 2014, "EERIE",
                             "v20240618") \
        + zarr_dataset_items(rnd, nextgems["id"], nextgems_datasets(), "ICON", "ngc4008", 2020, 2049, "nextGEMS",
                             "ngc4008") \
        + zarr_dataset_items(rnd, warmworld["id"], warmworld_datasets()[:20], "icon-xpp", "ssp245", 1990, 2060,
                             "Warmworld", "v20250310")
    return files


def render(docs):
    return "".join(json.dumps(d, separators=(",", ":"), ensure_ascii=False) + "\n" for d in docs)


def check_documents(files):
    problems = []
    ids = set()
    collections = set()
    for name, docs in files.items():
        for d in docs:
            if d["type"] == "Collection":
                collections.add(d["id"])
                continue
            key = (d["collection"], d["id"])
            if key in ids:
                problems.append("%s: duplicate item %s" % (name, key))
            ids.add(key)
            if d["collection"] not in collections:
                problems.append("%s: item %s before or without its collection" % (name, d["id"]))
            ring = d["geometry"]["coordinates"][0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            if d["bbox"] != [min(xs), min(ys), max(xs), max(ys)] or ring[0] != ring[-1]:
                problems.append("%s: %s bbox/geometry mismatch" % (name, d["id"]))
            p = d["properties"]
            if "datetime" not in p or (p["datetime"] is None and not (p.get("start_datetime") and p.get("end_datetime"))):
                problems.append("%s: %s has no usable datetime" % (name, d["id"]))
    return problems


def check_sources(files):
    """Every collection must be harvested by exactly one source of federation.json (load.py
    lays each source's collections out as a static catalog)."""
    with open(os.path.join(HERE, "federation.json"), encoding="utf-8") as f:
        federation = json.load(f)
    harvested = Counter(child["collection"] for catalog in federation["catalogs"] if catalog.get("harvest")
                        for child in catalog.get("children", []) if "collection" in child)
    return ["collection %s is listed by %d harvested catalogs of federation.json, not one" % (d["id"], harvested[d["id"]])
            for docs in files.values() for d in docs if d["type"] == "Collection" and harvested[d["id"]] != 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="fail if the files on disk differ from the output")
    ap.add_argument("--dir", default=HERE, help="output folder (default: this script's folder)")
    args = ap.parse_args()
    files = build()
    problems = check_documents(files) + check_sources(files)
    for p in problems:
        print("make_demo.py:", p, file=sys.stderr)
    if problems:
        return 1
    stale = []
    for name, docs in files.items():
        text = render(docs)
        path = os.path.join(args.dir, name)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name)
            continue
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        n_coll = sum(1 for d in docs if d["type"] == "Collection")
        print("%s: %d collections, %d items, %d bytes" % (name, n_coll, len(docs) - n_coll, len(text.encode())))
    if stale:
        print("make_demo.py: out of date: %s (run deploy/demo/make_demo.py)" % ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
