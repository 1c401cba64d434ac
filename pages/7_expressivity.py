"""Expressivity lab (placeholder until the page is written)."""

import streamlit as st

st.header("Expressivity lab")
st.info("coming")
