#!/usr/bin/env python3
"""Deterministic generator of CMIP6-like STAC collections and items for stacfed's benchmarks.

The records are shaped like the items ESGF-NG publishes today (cmip6 extension v3: cmip6:*
facets, `datetime: null` with start/end datetimes, one item per dataset version, one asset per
NetCDF file with file:size, file:checksum, alternate:name and protocol, a cite-as link), but every
value is invented here. Output is newline-delimited JSON that `stacfed load` reads: first the K
collections, then the items, grouped by collection.

Same arguments, same bytes: all randomness comes from one random.Random(seed) stream read only
through random() and getrandbits(), whose sequences Python keeps stable across versions.

    bench/generate.py --items 1000000 --collections 20 --seed 1 --out bench/data/items.ndjson
    bench/generate.py --items 100 | head -3
    bench/generate.py --self-test
"""

import argparse
import hashlib
import io
import json
import random
import sys
import time

STAC_EXTENSIONS = [
    "https://stac-extensions.github.io/cmip6/v3.0.2/schema.json",
    "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json",
    "https://stac-extensions.github.io/file/v2.1.0/schema.json",
]

# activity_id -> experiments: (experiment_id, description, first year, last year, kind)
# kind "fixed" spans the whole period, "slice" a random part of it (long control runs),
# "decadal" a ten-year hindcast starting in a random year of the period (sub_experiment_id sYYYY).
ACTIVITIES = [
    ("ScenarioMIP", [
        ("ssp119", "low-end scenario reaching 1.9 W m-2, based on SSP1", 2015, 2100, "fixed"),
        ("ssp126", "update of RCP2.6 based on SSP1", 2015, 2100, "fixed"),
        ("ssp245", "update of RCP4.5 based on SSP2", 2015, 2100, "fixed"),
        ("ssp370", "gap-filling scenario reaching 7.0 based on SSP3", 2015, 2100, "fixed"),
        ("ssp585", "update of RCP8.5 based on SSP5", 2015, 2100, "fixed")]),
    ("CMIP", [
        ("historical", "all-forcing simulation of the recent past", 1850, 2014, "fixed"),
        ("piControl", "pre-industrial control", 1850, 2100, "slice"),
        ("1pctCO2", "1 percent per year increase in CO2", 1850, 1999, "fixed"),
        ("abrupt-4xCO2", "abrupt quadrupling of CO2", 1850, 1999, "fixed"),
        ("amip", "AMIP", 1979, 2014, "fixed")]),
    ("HighResMIP", [
        ("hist-1950", "coupled historical 1950-2014", 1950, 2014, "fixed"),
        ("highresSST-present", "forced atmosphere experiment for 1950-2014", 1950, 2014, "fixed"),
        ("highres-future", "coupled future 2015-2050 using a scenario as close to CMIP5 RCP8.5 as possible",
         2015, 2050, "fixed"),
        ("control-1950", "coupled control with fixed 1950's forcing", 1950, 2049, "slice")]),
    ("DAMIP", [
        ("hist-aer", "historical anthropogenic aerosols-only run", 1850, 2020, "fixed"),
        ("hist-GHG", "historical well-mixed GHG-only run", 1850, 2020, "fixed"),
        ("hist-nat", "historical natural-only run", 1850, 2020, "fixed")]),
    ("AerChemMIP", [
        ("hist-piAer", "historical forcing, but with pre-industrial aerosol emissions", 1850, 2014, "fixed"),
        ("hist-piNTCF", "historical forcing, but with pre-industrial NTCF emissions", 1850, 2014, "fixed"),
        ("ssp370-lowNTCF", "SSP3-7.0, with low NTCF emissions", 2015, 2055, "fixed")]),
    ("DCPP", [
        ("dcppA-hindcast", "hindcast initialized based on observations and using historical forcing",
         1960, 2029, "decadal"),
        ("dcppB-forecast", "forecast initialized from observations with forcing from ssp245",
         2019, 2035, "decadal")]),
    ("C4MIP", [
        ("esm-hist", "all-forcing simulation of the recent past with atmospheric CO2 concentration "
         "calculated", 1850, 2014, "fixed"),
        ("1pctCO2-bgc", "biogeochemically-coupled version of 1 percent per year increasing CO2 experiment",
         1850, 1999, "fixed")]),
    ("CFMIP", [
        ("amip-p4K", "AMIP with uniform 4K SST increase", 1979, 2014, "fixed"),
        ("amip-future4K", "AMIP with patterned 4K SST increase", 1979, 2014, "fixed")]),
    ("LUMIP", [
        ("land-hist", "historical land-only", 1850, 2014, "fixed"),
        ("hist-noLu", "historical with no land-use change", 1850, 2014, "fixed")]),
    ("LS3MIP", [
        ("land-hist-cruNcep", "as land-hist with CRU-NCEP forcings", 1901, 2014, "fixed"),
        ("amip-lfmip-pdLC", "prescribed land conditions (from current climate climatology) and initialized "
         "from land-hist", 1980, 2100, "fixed")]),
    ("OMIP", [
        ("omip1", "OMIP experiment forced by Large and Yeager (CORE-2, NCEP) atmospheric data set",
         1948, 2009, "fixed"),
        ("omip2", "OMIP experiment forced by JRA55-do atmospheric data set", 1958, 2018, "fixed")]),
    ("PMIP", [
        ("midHolocene", "mid-Holocene", 1850, 2049, "slice"),
        ("lgm", "last glacial maximum", 1850, 2049, "slice")]),
    ("RFMIP", [
        ("piClim-control", "Control simulation providing baseline for evaluating effective radiative "
         "forcing (ERF)", 1850, 1879, "fixed"),
        ("piClim-4xCO2", "effective radiative forcing by 4xCO2", 1850, 1879, "fixed")]),
    ("GeoMIP", [
        ("G6solar", "total solar irradiance reduction to reduce net forcing from SSP585 to SSP245",
         2020, 2100, "fixed"),
        ("G6sulfur", "stratospheric sulfate aerosol injection to reduce net forcing from SSP585 to SSP245",
         2020, 2100, "fixed")]),
    ("GMMIP", [
        ("hist-resIPO", "initialized from 'historical' run year 1870 and SSTs in tropical lobe of the IPO "
         "domain restored to AMIP SSTs", 1870, 2014, "fixed")]),
    ("ISMIP6", [
        ("ssp585-withism", "ssp585 with interactive ice sheet", 2015, 2100, "fixed"),
        ("historical-withism", "historical with interactive ice sheet", 1850, 2014, "fixed")]),
    ("PAMIP", [
        ("pdSST-futArcSIC", "atmosphere forced with present-day SST and future Arctic sea ice",
         2000, 2001, "fixed"),
        ("pdSST-pdSIC", "atmosphere forced with present-day SST and sea ice", 2000, 2001, "fixed")]),
    ("SIMIP", [
        ("historical", "all-forcing simulation of the recent past", 1850, 2014, "fixed")]),
    ("VolMIP", [
        ("volc-pinatubo-full", "Pinatubo experiment", 1991, 1993, "fixed"),
        ("volc-long-eq", "idealized equatorial volcanic eruption emitting 56.2 Tg SO2", 1850, 1869, "fixed")]),
    ("FAFMIP", [
        ("faf-heat", "control plus perturbative surface flux of heat into ocean", 1850, 1919, "fixed"),
        ("faf-stress", "control plus perturbative surface flux of momentum into ocean", 1850, 1919, "fixed")]),
    ("CDRMIP", [
        ("esm-ssp585-ssp126Lu", "emissions-driven SSP5-8.5 with SSP1-2.6 land use", 2015, 2100, "fixed")]),
    ("DynVarMIP", [
        ("amip", "AMIP", 1979, 2014, "fixed")]),
    ("CORDEX", [
        ("historical", "all-forcing simulation of the recent past", 1950, 2014, "fixed"),
        ("ssp370", "gap-filling scenario reaching 7.0 based on SSP3", 2015, 2100, "fixed")]),
]

# source_id, institution_id, nominal_resolution, native grid label, grid description, source_type
SOURCES = [
    ("MPI-ESM1-2-HR", "MPI-M", "100 km", "gn", "native atmosphere T127 gaussian grid", ["AOGCM"]),
    ("MPI-ESM1-2-LR", "MPI-M", "250 km", "gn", "native atmosphere T63 gaussian grid", ["AOGCM"]),
    ("ICON-ESM-LR", "MPI-M", "250 km", "gn", "ICON R2B4 icosahedral grid", ["AOGCM"]),
    ("IPSL-CM6A-LR", "IPSL", "250 km", "gr", "LMDZ grid", ["AOGCM", "BGC"]),
    ("CNRM-CM6-1", "CNRM-CERFACS", "250 km", "gr", "native atmosphere reduced gaussian grid", ["AOGCM"]),
    ("CNRM-ESM2-1", "CNRM-CERFACS", "250 km", "gr", "native atmosphere reduced gaussian grid",
     ["AOGCM", "BGC", "AER", "CHEM"]),
    ("EC-Earth3", "EC-Earth-Consortium", "100 km", "gr", "T255L91-ORCA1L75", ["AOGCM"]),
    ("EC-Earth3-Veg", "EC-Earth-Consortium", "100 km", "gr", "T255L91-ORCA1L75", ["AOGCM"]),
    ("EC-Earth3-AerChem", "EC-Earth-Consortium", "100 km", "gn", "native regular 2x3 degree latxlon grid",
     ["AOGCM", "AER", "CHEM"]),
    ("HadGEM3-GC31-LL", "MOHC", "250 km", "gn", "atmosphere N96, ocean 1 degree", ["AOGCM", "AER"]),
    ("HadGEM3-GC31-MM", "MOHC", "100 km", "gn", "atmosphere N216, ocean 0.25 degree", ["AOGCM", "AER"]),
    ("UKESM1-0-LL", "MOHC", "250 km", "gn", "atmosphere N96, ocean 1 degree", ["AOGCM", "AER", "BGC", "CHEM"]),
    ("CESM2", "NCAR", "100 km", "gn", "native 0.9x1.25 finite volume grid", ["AOGCM", "BGC"]),
    ("CESM2-WACCM", "NCAR", "100 km", "gn", "native 0.9x1.25 finite volume grid", ["AOGCM", "BGC", "CHEM"]),
    ("GFDL-ESM4", "NOAA-GFDL", "100 km", "gr1", "atmos data regridded to 1x1.25 degree grid",
     ["AOGCM", "AER", "CHEM", "BGC"]),
    ("GFDL-CM4", "NOAA-GFDL", "100 km", "gr1", "atmos data regridded to 1x1.25 degree grid", ["AOGCM"]),
    ("MIROC6", "MIROC", "250 km", "gn", "native atmosphere T85 gaussian grid", ["AOGCM", "AER"]),
    ("MRI-ESM2-0", "MRI", "100 km", "gn", "native atmosphere TL159 gaussian grid",
     ["AOGCM", "AER", "CHEM", "BGC"]),
    ("ACCESS-CM2", "CSIRO-ARCCSS", "250 km", "gn", "native atmosphere N96 grid", ["AOGCM"]),
    ("ACCESS-ESM1-5", "CSIRO", "250 km", "gn", "native atmosphere N96 grid", ["AOGCM"]),
    ("CanESM5", "CCCma", "500 km", "gn", "T63L49 native atmosphere", ["AOGCM"]),
    ("NorESM2-LM", "NCC", "250 km", "gn", "finite-volume grid with 1.9x2.5 degree lat/lon resolution",
     ["AOGCM", "AER", "BGC"]),
    ("NorESM2-MM", "NCC", "100 km", "gn", "finite-volume grid with 0.9x1.25 degree lat/lon resolution",
     ["AOGCM", "AER", "BGC"]),
    ("CMCC-CM2-SR5", "CMCC", "100 km", "gn", "native atmosphere regular 1x1 degree grid", ["AOGCM"]),
    ("CMCC-ESM2", "CMCC", "100 km", "gn", "native atmosphere regular 1x1 degree grid", ["AOGCM", "BGC"]),
    ("BCC-CSM2-MR", "BCC", "100 km", "gn", "T106", ["AOGCM"]),
    ("FGOALS-g3", "CAS", "250 km", "gn", "native atmosphere grid", ["AOGCM"]),
    ("INM-CM5-0", "INM", "100 km", "gr1", "gs2x1.5", ["AOGCM"]),
    ("AWI-CM-1-1-MR", "AWI", "100 km", "gn", "FESOM 1.4 unstructured grid", ["AOGCM"]),
    ("NESM3", "NUIST", "250 km", "gn", "T63L47", ["AOGCM"]),
    ("E3SM-1-0", "E3SM-Project", "100 km", "gr", "atmos data regridded to 1x1 degree lat-lon", ["AOGCM"]),
    ("KACE-1-0-G", "NIMS-KMA", "250 km", "gr", "native atmosphere regridded", ["AOGCM"]),
]

# variable_id, table_id, frequency, realm, long name, units, CF standard name, typical file size (MB/yr)
VARIABLES = [
    ("tas", "Amon", "mon", ["atmos"], "Near-Surface Air Temperature", "K", "air_temperature", 0.6),
    ("pr", "Amon", "mon", ["atmos"], "Precipitation", "kg m-2 s-1", "precipitation_flux", 0.6),
    ("psl", "Amon", "mon", ["atmos"], "Sea Level Pressure", "Pa", "air_pressure_at_mean_sea_level", 0.6),
    ("uas", "Amon", "mon", ["atmos"], "Eastward Near-Surface Wind", "m s-1", "eastward_wind", 0.6),
    ("vas", "Amon", "mon", ["atmos"], "Northward Near-Surface Wind", "m s-1", "northward_wind", 0.6),
    ("huss", "Amon", "mon", ["atmos"], "Near-Surface Specific Humidity", "1", "specific_humidity", 0.6),
    ("clt", "Amon", "mon", ["atmos"], "Total Cloud Cover Percentage", "%", "cloud_area_fraction", 0.6),
    ("rsds", "Amon", "mon", ["atmos"], "Surface Downwelling Shortwave Radiation", "W m-2",
     "surface_downwelling_shortwave_flux_in_air", 0.6),
    ("rlut", "Amon", "mon", ["atmos"], "TOA Outgoing Longwave Radiation", "W m-2",
     "toa_outgoing_longwave_flux", 0.6),
    ("ta", "Amon", "mon", ["atmos"], "Air Temperature", "K", "air_temperature", 11.0),
    ("ua", "Amon", "mon", ["atmos"], "Eastward Wind", "m s-1", "eastward_wind", 11.0),
    ("zg", "Amon", "mon", ["atmos"], "Geopotential Height", "m", "geopotential_height", 11.0),
    ("hus", "Amon", "mon", ["atmos"], "Specific Humidity", "1", "specific_humidity", 11.0),
    ("tasmax", "day", "day", ["atmos"], "Daily Maximum Near-Surface Air Temperature", "K", "air_temperature", 18.0),
    ("tasmin", "day", "day", ["atmos"], "Daily Minimum Near-Surface Air Temperature", "K", "air_temperature", 18.0),
    ("pr", "day", "day", ["atmos"], "Precipitation", "kg m-2 s-1", "precipitation_flux", 18.0),
    ("tas", "day", "day", ["atmos"], "Near-Surface Air Temperature", "K", "air_temperature", 18.0),
    ("uas", "day", "day", ["atmos"], "Eastward Near-Surface Wind", "m s-1", "eastward_wind", 18.0),
    ("sfcWind", "day", "day", ["atmos"], "Daily-Mean Near-Surface Wind Speed", "m s-1", "wind_speed", 18.0),
    ("psl", "6hrPlevPt", "6hrPt", ["atmos"], "Sea Level Pressure", "Pa", "air_pressure_at_mean_sea_level", 70.0),
    ("pr", "3hr", "3hr", ["atmos"], "Precipitation", "kg m-2 s-1", "precipitation_flux", 140.0),
    ("tos", "Omon", "mon", ["ocean"], "Sea Surface Temperature", "degC", "sea_surface_temperature", 1.2),
    ("sos", "Omon", "mon", ["ocean"], "Sea Surface Salinity", "0.001", "sea_surface_salinity", 1.2),
    ("thetao", "Omon", "mon", ["ocean"], "Sea Water Potential Temperature", "degC",
     "sea_water_potential_temperature", 60.0),
    ("so", "Omon", "mon", ["ocean"], "Sea Water Salinity", "0.001", "sea_water_salinity", 60.0),
    ("zos", "Omon", "mon", ["ocean"], "Sea Surface Height Above Geoid", "m", "sea_surface_height_above_geoid", 1.2),
    ("mlotst", "Omon", "mon", ["ocean"], "Ocean Mixed Layer Thickness Defined by Sigma T", "m",
     "ocean_mixed_layer_thickness_defined_by_sigma_t", 1.2),
    ("tos", "Oday", "day", ["ocean"], "Sea Surface Temperature", "degC", "sea_surface_temperature", 36.0),
    ("siconc", "SImon", "mon", ["seaIce"], "Sea-Ice Area Percentage (Ocean Grid)", "%", "sea_ice_area_fraction", 1.2),
    ("sithick", "SImon", "mon", ["seaIce", "ocean"], "Sea-Ice Thickness", "m", "sea_ice_thickness", 1.2),
    ("mrso", "Lmon", "mon", ["land"], "Total Soil Moisture Content", "kg m-2", "mass_content_of_water_in_soil", 0.3),
    ("lai", "Lmon", "mon", ["land"], "Leaf Area Index", "1", "leaf_area_index", 0.3),
    ("gpp", "Lmon", "mon", ["land"], "Carbon Mass Flux out of Atmosphere Due to Gross Primary Production on Land",
     "kg m-2 s-1", "gross_primary_productivity_of_biomass_expressed_as_carbon", 0.3),
    ("mrro", "Lmon", "mon", ["land"], "Total Runoff", "kg m-2 s-1", "runoff_flux", 0.3),
    ("snw", "LImon", "mon", ["landIce", "land"], "Surface Snow Amount", "kg m-2", "surface_snow_amount", 0.3),
    ("od550aer", "AERmon", "mon", ["aerosol"], "Ambient Aerosol Optical Thickness at 550nm", "1",
     "atmosphere_optical_thickness_due_to_ambient_aerosol_particles", 0.6),
    ("maxpblz", "AERday", "day", ["aerosol"], "Maximum PBL Height", "m", "atmosphere_boundary_layer_thickness", 18.0),
    ("clcalipso", "CFmon", "mon", ["atmos"], "CALIPSO Percentage Cloud Cover", "%",
     "cloud_area_fraction_in_atmosphere_layer", 7.0),
    ("intpp", "Omon", "mon", ["ocnBgchem"], "Primary Organic Carbon Production by All Types of Phytoplankton",
     "mol m-2 s-1", "net_primary_mole_productivity_of_biomass_expressed_as_carbon_by_phytoplankton", 1.2),
    ("fgco2", "Omon", "mon", ["ocnBgchem"], "Surface Downward Mass Flux of Carbon as CO2", "kg m-2 s-1",
     "surface_downward_mass_flux_of_carbon_dioxide_expressed_as_carbon", 1.2),
    ("orog", "fx", "fx", ["atmos"], "Surface Altitude", "m", "surface_altitude", 0.0),
    ("sftlf", "fx", "fx", ["atmos"], "Percentage of the Grid Cell Occupied by Land (Including Lakes)", "%",
     "land_area_fraction", 0.0),
]

# ESGF data nodes (alternate:name) that hold the files, with the path prefix they serve.
DATA_NODES = [
    ("esgf.ceda.ac.uk", "https://dap.ceda.ac.uk/thredds/fileServer/badc/cmip6/data"),
    ("esgf3.dkrz.de", "https://esgf3.dkrz.de/thredds/fileServer/cmip6"),
    ("esgf.nci.org.au", "https://esgf.nci.org.au/thredds/fileServer/master"),
    ("esgf-data1.llnl.gov", "https://esgf-data1.llnl.gov/thredds/fileServer/css03_data"),
    ("esgf-node2.cmcc.it", "https://esgf-node2.cmcc.it/thredds/fileServer/esg_dataroot"),
    ("vesg.ipsl.upmc.fr", "https://vesg.ipsl.upmc.fr/thredds/fileServer/cmip6"),
    ("eagle.alcf.anl.gov", "https://g-52ba3.fd635.8443.data.globus.org/css03_data"),
]

# Regions used for regional (limited-area or masked) datasets: name, west, south, east, north.
REGIONS = [
    ("EUR", -45.0, 21.0, 66.0, 73.0), ("AFR", -25.0, -46.0, 60.0, 42.0),
    ("NAM", -171.0, 12.0, -22.0, 76.0), ("SAM", -106.0, -58.0, -16.0, 18.0),
    ("EAS", 62.0, -1.0, 180.0, 66.0), ("WAS", 20.0, -15.0, 116.0, 45.0),
    ("AUS", 89.0, -53.0, 180.0, 13.0), ("ARC", -180.0, 55.0, 180.0, 90.0),
    ("ANT", -180.0, -90.0, 180.0, -50.0), ("MED", -10.0, 28.0, 40.0, 48.0),
    ("CAM", -118.0, -20.0, -59.0, 33.0), ("SEA", 89.0, -16.0, 147.0, 28.0),
]

GLOBAL_BBOXES = [
    [-180.0, -90.0, 180.0, 90.0],
    [-180.0, -89.5, 179.5, 89.5],
    [-180.0, -88.93, 178.59, 88.93],
    [-180.0, -89.28, 178.88, 89.28],
]


def collection_plan(k):
    """Collection id and activity for the k-th collection (0-based)."""
    activity, experiments = ACTIVITIES[k % len(ACTIVITIES)]
    suffix = "" if k < len(ACTIVITIES) else "-%d" % (k // len(ACTIVITIES) + 1)
    return "cmip6-" + activity.lower() + suffix, activity, experiments


def make_collection(k, n_items):
    cid, activity, experiments = collection_plan(k)
    start = min(e[2] for e in experiments)
    end = max(e[3] for e in experiments)
    return {
        "type": "Collection",
        "stac_version": "1.1.0",
        "stac_extensions": [],
        "id": cid,
        "title": "CMIP6 %s (benchmark data)" % activity,
        "description": "Synthetic CMIP6 %s datasets generated by stacfed's bench/generate.py, shaped like "
                       "the items ESGF-NG publishes: one item per dataset version, one asset per NetCDF file. "
                       "%d items." % (activity, n_items),
        "keywords": ["CMIP6", activity, "climate", "model output", "benchmark"],
        "license": "CC-BY-4.0",
        "providers": [
            {"name": "stacfed benchmark generator", "roles": ["producer"]},
            {"name": "ESGF", "roles": ["host"], "url": "https://esgf.llnl.gov"},
        ],
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [["%04d-01-01T00:00:00Z" % start, "%04d-12-31T23:59:59Z" % end]]},
        },
        "summaries": {
            "cmip6:activity_id": [activity],
            "cmip6:experiment_id": sorted({e[0] for e in experiments}),
            "cmip6:source_id": sorted({s[0] for s in SOURCES}),
            "cmip6:institution_id": sorted({s[1] for s in SOURCES}),
            "cmip6:table_id": sorted({v[1] for v in VARIABLES}),
            "cmip6:frequency": sorted({v[2] for v in VARIABLES}),
            "cmip6:variable_id": sorted({v[0] for v in VARIABLES}),
            "cmip6:grid_label": ["gn", "gr", "gr1"],
        },
        "links": [
            {"rel": "license", "href": "https://creativecommons.org/licenses/by/4.0/", "type": "text/html",
             "title": "Creative Commons Attribution 4.0 International"},
            {"rel": "about", "href": "https://wcrp-cmip.org/cmip-phase-6-cmip6/", "type": "text/html"},
        ],
    }


def coprime_step(n):
    """A step coprime with n near 0.618 n: i -> (i * step) mod n scatters consecutive indices."""
    step = max(1, int(n * 0.6180339887))
    while _gcd(step, n) != 1:
        step += 1
    return step


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def round2(x):
    return float(round(x, 2))


def item_geometry(rnd):
    """Global grid (70%) or a regional domain (30%), as a polygon and its bbox."""
    if rnd() < 0.7:
        w, s, e, n = GLOBAL_BBOXES[int(rnd() * len(GLOBAL_BBOXES))]
        region = None
    else:
        region, rw, rs, re_, rn = REGIONS[int(rnd() * len(REGIONS))]
        # A sub-domain of the region: jitter each edge inwards by up to a fifth of the size.
        dw, dh = re_ - rw, rn - rs
        w = round2(rw + rnd() * dw * 0.2)
        e = round2(re_ - rnd() * dw * 0.2)
        s = round2(rs + rnd() * dh * 0.2)
        n = round2(rn - rnd() * dh * 0.2)
    geometry = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
    return geometry, [w, s, e, n], region


def time_range(rnd, exp):
    """(first year, last year, sub_experiment_id) of a dataset of the experiment."""
    _, _, y0, y1, kind = exp
    if kind == "fixed":
        return y0, y1, "none"
    if kind == "decadal":
        start = y0 + int(rnd() * (y1 - y0 + 1))
        return start, min(start + 9, 2100), "s%d" % (start - 1)
    # slice: 20..y1-y0 years somewhere in the period
    span = 20 + int(rnd() * (y1 - y0 - 19))
    start = y0 + int(rnd() * (y1 - y0 - span + 2))
    return start, min(start + span - 1, y1), "none"


def file_chunks(rnd, y0, y1, frequency):
    """Year ranges of the NetCDF files of a dataset (1..4 files)."""
    years = y1 - y0 + 1
    if frequency == "fx":
        return [None]
    n = 1 if frequency == "mon" and years <= 100 else 1 + int(rnd() * 4)
    n = max(1, min(n, years))
    chunks, step = [], -(-years // n)
    a = y0
    while a <= y1:
        b = min(a + step - 1, y1)
        chunks.append((a, b))
        a = b + 1
    return chunks


def time_label(frequency, a, b):
    if frequency in ("mon",):
        return "%04d01-%04d12" % (a, b)
    if frequency == "day":
        return "%04d0101-%04d1231" % (a, b)
    return "%04d01010000-%04d12312100" % (a, b)


def period_start(frequency, year):
    if frequency == "mon":
        return "%04d-01-16T12:00:00Z" % year
    if frequency in ("day",):
        return "%04d-01-01T12:00:00Z" % year
    return "%04d-01-01T00:00:00Z" % year


def period_end(frequency, year):
    if frequency == "mon":
        return "%04d-12-16T12:00:00Z" % year
    if frequency in ("day",):
        return "%04d-12-31T12:00:00Z" % year
    return "%04d-12-31T21:00:00Z" % year


def make_item(rng, cid, activity, experiments, j, n_items, step, offset):
    rnd = rng.random
    bits = rng.getrandbits
    # Facets from a scrambled index in mixed radix: unique (variable, source, experiment, member)
    # per collection by construction, and neighbouring items differ. `offset` moves collections
    # that repeat an activity (more than 23 collections) to other members, so ids stay unique.
    x = ((j * step + 7) % n_items if n_items > 1 else 0) + offset
    var = VARIABLES[x % len(VARIABLES)]
    x //= len(VARIABLES)
    src = SOURCES[x % len(SOURCES)]
    x //= len(SOURCES)
    exp = experiments[x % len(experiments)]
    x //= len(experiments)
    member = "r%di1p1f%d" % (x // 3 + 1, x % 3 + 1)

    variable_id, table_id, frequency, realm, long_name, units, standard_name, mb_per_year = var
    source_id, institution_id, resolution, grid_label, grid_desc, source_type = src
    experiment_id, experiment_title = exp[0], exp[1]
    y0, y1, sub_experiment = time_range(rnd, exp)
    if frequency == "fx":
        y1 = y0
    member_id = member if sub_experiment == "none" else sub_experiment + "-" + member

    vyear = 2018 + int(rnd() * 7)
    vmonth = 1 + int(rnd() * 12)
    vday = 1 + int(rnd() * 28)
    version = "%04d%02d%02d" % (vyear, vmonth, vday)
    base_id = "CMIP6.%s.%s.%s.%s.%s.%s.%s.%s" % (
        activity, institution_id, source_id, experiment_id, member_id, table_id, variable_id, grid_label)
    item_id = base_id + ".v" + version
    published = "%s-%02d-%02dT%02d:%02d:%02dZ" % (
        version[:4], vmonth, vday, int(rnd() * 24), int(rnd() * 60), int(rnd() * 60))
    harvested = "%04d-%02d-%02dT%02d:%02d:%02dZ" % (
        2025 + int(rnd() * 2), 1 + int(rnd() * 12), 1 + int(rnd() * 28),
        int(rnd() * 24), int(rnd() * 60), int(rnd() * 60))

    geometry, bbox, region = item_geometry(rnd)
    node, prefix = DATA_NODES[int(rnd() * len(DATA_NODES))]
    drs = "%s/%s/%s/%s/%s/%s/%s/%s/v%s" % (
        activity, institution_id, source_id, experiment_id, member_id, table_id, variable_id, grid_label, version)
    tracking = "hdl:21.14100/%08x-%04x-4%03x-%04x-%012x" % (
        bits(32), bits(16), bits(12), 0x8000 | bits(14), bits(48))

    assets = {}
    total = 0
    stem = "%s_%s_%s_%s_%s_%s" % (variable_id, table_id, source_id, experiment_id, member_id, grid_label)
    for chunk in file_chunks(rnd, y0, y1, frequency):
        if chunk is None:
            name = stem + ".nc"
            size = 20000 + int(rnd() * 400000)
        else:
            name = "%s_%s.nc" % (stem, time_label(frequency, chunk[0], chunk[1]))
            size = int((chunk[1] - chunk[0] + 1) * mb_per_year * 1e6 * (0.5 + rnd()))
        total += size
        assets[name] = {
            "href": "%s/CMIP6/%s/%s" % (prefix, drs, name),
            "type": "application/netcdf",
            "roles": ["data"],
            "alternate:name": node,
            "file:size": size,
            "file:checksum": "1220%064x" % bits(256),
            "cmip6:tracking_id": tracking,
            "created": published,
            "protocol": "https",
        }
    if rnd() < 0.3:
        assets["reference_file"] = {
            "href": "https://dap.ceda.ac.uk/badc/cmip6/metadata/kerchunk/%s/kr1.0/CMIP6_%s_v%s_kr1.0.json" % (
                activity, base_id[6:].replace(".", "_"), version),
            "type": "application/zstd",
            "roles": ["reference", "data"],
            "alternate:name": "esgf.ceda.ac.uk",
            "created": harvested,
            "updated": harvested,
            "protocol": "kerchunk",
        }

    properties = {
        "datetime": None,
        "start_datetime": period_start(frequency, y0),
        "end_datetime": period_end(frequency, y1),
        "created": published,
        "updated": harvested,
        "title": base_id,
        "base_id": base_id,
        "project": "CMIP6",
        "version": version,
        "latest": rnd() < 0.9,
        "retracted": rnd() < 0.02,
        "access": ["HTTPServer", "Globus"] if rnd() < 0.6 else ["HTTPServer"],
        "size": total,
        "cmip6:activity_id": [activity],
        "cmip6:institution_id": institution_id,
        "cmip6:source_id": source_id,
        "cmip6:source_type": source_type,
        "cmip6:experiment_id": experiment_id,
        "cmip6:experiment": experiment_title,
        "cmip6:sub_experiment_id": sub_experiment,
        "cmip6:member_id": member_id,
        "cmip6:variant_label": member,
        "cmip6:table_id": table_id,
        "cmip6:variable_id": variable_id,
        "cmip6:grid_label": grid_label,
        "cmip6:grid": grid_desc,
        "cmip6:frequency": frequency,
        "cmip6:realm": realm,
        "cmip6:nominal_resolution": resolution,
        "cmip6:variable_long_name": long_name,
        "cmip6:variable_units": units,
        "cmip6:variable_cf_standard_name": standard_name,
        "cmip6:product": "model-output",
        "cmip6:data_specs_version": "01.00.%d" % (28 + int(rnd() * 5)),
        "cmip6:pid": tracking,
    }
    if region is not None:
        properties["cmip6:region"] = region
    return {
        "type": "Feature",
        "stac_version": "1.1.0",
        "stac_extensions": STAC_EXTENSIONS,
        "id": item_id,
        "collection": cid,
        "geometry": geometry,
        "bbox": bbox,
        "properties": properties,
        "links": [
            {"rel": "cite-as", "type": "application/json",
             "href": "https://cera-www.dkrz.de/WDCC/meta/CMIP6/%s.json" % item_id},
        ],
        "assets": assets,
    }


def split_counts(n_items, k):
    return [n_items // k + (1 if c < n_items % k else 0) for c in range(k)]


def generate(out, n_items, k, seed):
    """Writes K collections then N items as NDJSON to the text stream `out`."""
    rng = random.Random(seed)
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    counts = split_counts(n_items, k)
    largest = max(counts)
    out.write("".join(encode(make_collection(c, counts[c])) + "\n" for c in range(k)))
    for c in range(k):
        cid, activity, experiments = collection_plan(c)
        n = counts[c]
        step = coprime_step(n) if n > 1 else 1
        buf = []
        for j in range(n):
            buf.append(encode(make_item(rng, cid, activity, experiments, j, n, step,
                                        (c // len(ACTIVITIES)) * largest)))
            if len(buf) == 2000:
                buf.append("")
                out.write("\n".join(buf))
                buf = []
        if buf:
            buf.append("")
            out.write("\n".join(buf))


# --- Earth observation: a Sentinel-2-like collection (the filter benchmark, bench/filter.sh) ---

EO_COLLECTION = "sentinel-2-l2a-bench"
EO_PLATFORMS = ["sentinel-2a", "sentinel-2b", "sentinel-2c"]


def make_eo_collection(n_items):
    return {
        "type": "Collection", "stac_version": "1.1.0", "stac_extensions": [],
        "id": EO_COLLECTION,
        "title": "Sentinel-2 L2A (benchmark data)",
        "description": "Synthetic Sentinel-2-like scenes generated by stacfed's bench/generate.py --eo-items: "
                       "MGRS tiles, cloud cover, platform, product type. %d items." % n_items,
        "keywords": ["Sentinel-2", "optical", "benchmark"],
        "license": "other",
        "extent": {"spatial": {"bbox": [[-180.0, -84.0, 180.0, 84.0]]},
                   "temporal": {"interval": [["2017-01-01T00:00:00Z", "2024-12-31T23:59:59Z"]]}},
        "summaries": {"platform": EO_PLATFORMS, "constellation": ["sentinel-2"], "instruments": ["msi"],
                      "product:type": ["S2MSI2A", "S2MSI1C"]},
        "links": [],
    }


def make_eo_item(rnd, j):
    """One scene: a 1-degree tile of land-ish latitudes, a time in 2017-2024, a cloud cover
    spread evenly over 0-100 (so `eo:cloud_cover < 10` keeps a tenth)."""
    lon = int(rnd.random() * 360) - 180
    lat = int(rnd.random() * 140) - 70
    t = 1483228800 + int(rnd.random() * 8 * 365.25 * 86400)  # 2017-01-01 + up to 8 years
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    platform = EO_PLATFORMS[int(rnd.random() * 3)]
    product = "S2MSI2A" if rnd.random() < 0.8 else "S2MSI1C"
    tile = "%02d%s%s" % ((lon + 180) // 6 + 1, "CDEFGHJKLMNPQRSTUVWX"[min(19, (lat + 80) // 8)],
                         "ABCDEFGHJKLMNPQRSTUVWXYZ"[int(rnd.random() * 24)] + "ABCDEFGHJKLMNPQRSTUV"[int(rnd.random() * 20)])
    item_id = "S2_%s_%s_%07d" % (stamp[:10].replace("-", ""), tile, j)
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {
        "type": "Feature", "stac_version": "1.1.0", "stac_extensions": [],
        "id": item_id, "collection": EO_COLLECTION,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "bbox": [lon, lat, lon + 1, lat + 1],
        "properties": {
            "datetime": stamp, "platform": platform, "constellation": "sentinel-2", "instruments": ["msi"],
            "eo:cloud_cover": round2(rnd.random() * 100), "product:type": product,
            "processing:level": "L2" if product == "S2MSI2A" else "L1",
            "grid:code": "MGRS-" + tile, "sat:orbit_state": "descending" if rnd.random() < 0.9 else "ascending",
            "sat:relative_orbit": 1 + int(rnd.random() * 143),
        },
        "assets": {"visual": {"href": "https://example.invalid/%s/TCI.jp2" % item_id,
                              "type": "image/jp2", "roles": ["visual"]}},
        "links": [],
    }


def generate_eo(out, n_items, seed):
    rnd = random.Random(seed)
    out.write(json.dumps(make_eo_collection(n_items), separators=(",", ":")) + "\n")
    for j in range(n_items):
        out.write(json.dumps(make_eo_item(rnd, j), separators=(",", ":")) + "\n")


def federation(k):
    """A federation file placing the K collections in a tree three catalogs deep, for the
    scoped-search benchmark (issues 4 and 16): bench -> bench-g<G> (2) -> bench-g<G>-s<S> (4),
    the collections spread round-robin over the four leaves. One node is shared: the first
    collection of bench-g0-s0 is also the last child of bench-g1-s0 (when K >= 3). bench-g0-s0
    comes first in the file, so it is the collection's tree parent and bench-g1-s0 links it as
    `related`; bench-g1-s0's scope holds it through that non-primary link."""
    leaves = {}
    for c in range(k):
        leaves.setdefault((c % 4) // 2, {}).setdefault(c % 2, []).append(collection_plan(c)[0])
    if 1 in leaves and 0 in leaves[1] and 0 in leaves and 0 in leaves[0]:
        leaves[1][0].append(leaves[0][0][0])
    catalogs = [{
        "id": "bench",
        "title": "Benchmark catalog",
        "description": "Root of the benchmark tree written by bench/generate.py --federation.",
        "children": [{"catalog": "bench-g%d" % g} for g in sorted(leaves)],
    }]
    for g in sorted(leaves):
        catalogs.append({
            "id": "bench-g%d" % g,
            "description": "Benchmark catalog at depth 2.",
            "children": [{"catalog": "bench-g%d-s%d" % (g, s_)} for s_ in sorted(leaves[g])],
        })
        for s_ in sorted(leaves[g]):
            catalogs.append({
                "id": "bench-g%d-s%d" % (g, s_),
                "description": "Benchmark catalog at depth 3.",
                "children": [{"collection": cid} for cid in leaves[g][s_]],
            })
    return {"stacfed_federation": "1.0", "catalogs": catalogs}


def self_test():
    """Checks the generator's own output: valid JSON, unique ids, consistent records, determinism."""
    def run(n, k, seed):
        s = io.StringIO()
        generate(s, n, k, seed)
        return s.getvalue()

    problems = []
    text = run(5000, 7, 42)
    lines = text.split("\n")
    if lines[-1] != "":
        problems.append("output does not end with a newline")
    lines = lines[:-1]
    docs = [json.loads(line) for line in lines]
    collections = [d for d in docs[:7] if d.get("type") == "Collection"]
    items = docs[7:]
    if len(collections) != 7 or len(items) != 5000:
        problems.append("expected 7 collections then 5000 items, got %d and %d" % (len(collections), len(items)))
    coll_ids = {c["id"] for c in collections}
    if len(coll_ids) != 7:
        problems.append("collection ids are not unique")
    keys = [(i["collection"], i["id"]) for i in items]
    if len(set(keys)) != len(keys):
        problems.append("item ids are not unique per collection")
    if len({i["id"] for i in items}) != len(items):
        problems.append("item ids are not globally unique")
    required = ["cmip6:activity_id", "cmip6:institution_id", "cmip6:source_id", "cmip6:experiment_id",
                "cmip6:member_id", "cmip6:table_id", "cmip6:variable_id", "cmip6:grid_label",
                "cmip6:frequency", "cmip6:realm", "cmip6:nominal_resolution", "cmip6:variable_long_name",
                "cmip6:variable_units", "project", "version", "latest", "retracted", "access", "size",
                "base_id", "title", "created", "updated", "start_datetime", "end_datetime"]
    for i in items:
        p = i["properties"]
        where = i["id"]
        if i["type"] != "Feature" or i["collection"] not in coll_ids:
            problems.append("%s: bad type or unknown collection" % where)
        missing = [r for r in required if r not in p]
        if missing:
            problems.append("%s: missing %s" % (where, missing))
        if p.get("datetime", "absent") is not None:
            problems.append("%s: datetime should be null" % where)
        if not p["start_datetime"] <= p["end_datetime"]:
            problems.append("%s: start after end" % where)
        if not ("1850" <= p["start_datetime"][:4] and p["end_datetime"][:4] <= "2100"):
            problems.append("%s: time outside 1850-2100" % where)
        ring = i["geometry"]["coordinates"][0]
        xs = [pt[0] for pt in ring]
        ys = [pt[1] for pt in ring]
        if i["bbox"] != [min(xs), min(ys), max(xs), max(ys)] or ring[0] != ring[-1]:
            problems.append("%s: bbox does not match geometry" % where)
        if not (-180 <= min(xs) <= max(xs) <= 180 and -90 <= min(ys) <= max(ys) <= 90):
            problems.append("%s: coordinates out of range" % where)
        nc = [a for a in i["assets"].values() if a["type"] == "application/netcdf"]
        if not nc or sum(a["file:size"] for a in nc) != p["size"]:
            problems.append("%s: netcdf assets missing or sizes do not add up" % where)
        for a in nc:
            c = a["file:checksum"]
            if not (c.startswith("1220") and len(c) == 68 and all(ch in "0123456789abcdef" for ch in c)):
                problems.append("%s: bad checksum %s" % (where, c))
        if not any(link["rel"] == "cite-as" for link in i["links"]):
            problems.append("%s: no cite-as link" % where)
    regional = sum(1 for i in items if i["bbox"][2] - i["bbox"][0] < 300)
    if not 0.15 * len(items) < regional < 0.45 * len(items):
        problems.append("regional share %d of %d is off" % (regional, len(items)))
    if len({i["properties"]["start_datetime"] for i in items}) < 50:
        problems.append("too few distinct start datetimes")
    a = hashlib.sha256(text.encode()).hexdigest()
    b = hashlib.sha256(run(5000, 7, 42).encode()).hexdigest()
    c = hashlib.sha256(run(5000, 7, 43).encode()).hexdigest()
    if a != b:
        problems.append("same seed gave different output")
    if a == c:
        problems.append("different seeds gave the same output")
    if run(1, 1, 1).count("\n") != 2 or run(0, 3, 1).count("\n") != 3:
        problems.append("edge cases (1 item, 0 items) wrong")
    big = run(60000, 30, 5)  # activities repeat after 23 collections
    ids = [json.loads(line)["id"] for line in big.split("\n")[30:-1]]
    if len(set(ids)) != len(ids):
        problems.append("ids repeat in a large collection")
    fed = federation(20)
    placed = [ch["collection"] for cat in fed["catalogs"] for ch in cat["children"] if "collection" in ch]
    shared = collection_plan(0)[0]
    if sorted(placed) != sorted([collection_plan(c)[0] for c in range(20)] + [shared]):
        problems.append("federation tree does not hold every collection once and %s twice" % shared)
    parents = [cat["id"] for cat in fed["catalogs"] for ch in cat["children"] if ch.get("collection") == shared]
    if parents != ["bench-g0-s0", "bench-g1-s0"]:
        problems.append("shared collection %s has parents %s" % (shared, parents))
    for p in problems[:20]:
        print("FAIL:", p, file=sys.stderr)
    if problems:
        return 1
    print("generate.py self-test passed: 7 collections, 5000 items, valid JSON, unique ids, "
          "consistent geometry/bbox/times/sizes, deterministic (sha256 %s)" % a[:16])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=1_000_000, help="number of items (default 1000000)")
    ap.add_argument("--collections", type=int, default=20, help="number of collections (default 20)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", default="-", help="output file, - for stdout (default)")
    ap.add_argument("--federation", metavar="PATH",
                    help="also write a federation file placing the collections in a 3-level catalog tree "
                         "(one collection under two parents)")
    ap.add_argument("--eo-items", type=int, metavar="N",
                    help="write instead a Sentinel-2-like collection %s of N items (bench/filter.sh)" % EO_COLLECTION)
    ap.add_argument("--self-test", action="store_true", help="check the generator's own output and exit")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if args.federation:
        with open(args.federation, "w", encoding="utf-8", newline="\n") as f:
            json.dump(federation(args.collections), f, indent=2)
            f.write("\n")
    if args.eo_items is not None:
        with open(args.out, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            generate_eo(out, args.eo_items, args.seed)
        return 0
    if args.items < 0 or args.collections < 1:
        ap.error("--items must be >= 0 and --collections >= 1")
    if args.out == "-":
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n", write_through=False)
        try:
            generate(out, args.items, args.collections, args.seed)
            out.flush()
        except BrokenPipeError:
            sys.stderr.close()
        return 0
    tmp = args.out + ".partial"
    with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        generate(out, args.items, args.collections, args.seed)
    import os
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
