#!/bin/sh
exec redis-server --appendonly yes
