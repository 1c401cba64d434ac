"""Simplicial complex & persistence (placeholder until the page is written)."""

import streamlit as st

st.header("Simplicial complex & persistence")
st.info("coming")
